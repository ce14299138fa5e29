package udp

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/udpool/udpool/udptest"
)

// No leaks: 1000 callers at once on a device that loses half the replies;
// the process never has more than MaxSockets descriptors more than before
// the client, and after Close it has none more and no goroutine of the
// client is left.
func TestNoLeaksInAStorm(t *testing.T) {
	for _, tr := range transports[:3] {
		t.Run(tr.name, func(t *testing.T) {
			d := startDevice(t, udptest.Config{Seed: 3, Behavior: udptest.Behavior{ReplyLoss: 0.5, Delay: time.Millisecond, Jitter: time.Millisecond}})
			ignore := goleak.IgnoreCurrent()
			baseline := openFDs(t)

			cfg := tr.cfg
			cfg.MaxSockets = 8
			cfg.Timeout = 20 * time.Millisecond
			c, err := Dial(context.Background(), d.String(), cfg)
			if err != nil {
				t.Fatal(err)
			}

			var peak atomic.Int64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() { // samples the descriptors while the storm runs
				defer close(sampled)
				for {
					if n := int64(openFDs(t)); n > peak.Load() {
						peak.Store(n)
					}
					select {
					case <-stop:
						return
					case <-time.After(200 * time.Microsecond):
					}
				}
			}()

			// The callers wait for a socket as long as they must.
			ctx := ctxFor(t, time.Minute)
			const callers, each = 1000, 2
			var wg sync.WaitGroup
			var ok, failed atomic.Int64
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range each {
						token := uint64(i*each + j)
						if _, err := c.Do(ctx, tokenRequest(uint16(token), token)); err != nil {
							failed.Add(1)
						} else {
							ok.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			close(stop)
			<-sampled
			s := c.Stats()
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}

			extra := peak.Load() - int64(baseline)
			t.Logf("%d calls: %d answered, %d failed; peak %d descriptors over the baseline of %d; %d sockets opened in all",
				callers*each, ok.Load(), failed.Load(), extra, baseline, s.SocketsCreated)
			if extra > int64(cfg.MaxSockets) {
				t.Errorf("%d descriptors over the baseline, MaxSockets is %d", extra, cfg.MaxSockets)
			}
			if extra == 0 || ok.Load() == 0 || failed.Load() == 0 {
				t.Errorf("the storm did not happen: peak +%d, %d answered, %d failed", extra, ok.Load(), failed.Load())
			}
			if s.SocketsPeak > cfg.MaxSockets {
				t.Errorf("peak sockets %d", s.SocketsPeak)
			}
			if n := openFDs(t); n != baseline {
				t.Errorf("%d descriptors after Close, %d before the client", n, baseline)
			}
			goleak.VerifyNone(t, ignore)
		})
	}
}
