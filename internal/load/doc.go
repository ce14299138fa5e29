// Package load drives a request/response client with many goroutines and
// measures what it does: answers, timeouts, replies that went to the wrong
// caller, latency, and the descriptors and goroutines the process holds
// while it runs and after. The udpool command uses it for demo and load.
package load
