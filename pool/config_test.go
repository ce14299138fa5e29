package pool

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func validConfig() Config[int] {
	return Config[int]{
		New:     func(context.Context) (int, error) { return 1, nil },
		MaxSize: 4,
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	check := func(context.Context, int) error { return nil }
	tests := []struct {
		field string
		edit  func(*Config[int])
	}{
		{"New", func(c *Config[int]) { c.New = nil }},
		{"MaxSize", func(c *Config[int]) { c.MaxSize = 0 }},
		{"MaxSize", func(c *Config[int]) { c.MaxSize = -1 }},
		{"MaxSize", func(c *Config[int]) { c.MaxSize = maxSizeLimit + 1 }},
		{"MinIdle", func(c *Config[int]) { c.MinIdle = -1 }},
		{"MinIdle", func(c *Config[int]) { c.MinIdle = 5 }},
		{"MaxIdle", func(c *Config[int]) { c.MaxIdle = -1 }},
		{"MaxIdle", func(c *Config[int]) { c.MaxIdle = 5 }},
		{"MinIdle", func(c *Config[int]) { c.MinIdle, c.MaxIdle = 3, 2 }},
		{"MaxLifetime", func(c *Config[int]) { c.MaxLifetime = -time.Second }},
		{"LifetimeJitter", func(c *Config[int]) { c.LifetimeJitter = -time.Second }},
		{"LifetimeJitter", func(c *Config[int]) { c.LifetimeJitter = time.Second }},
		{"LifetimeJitter", func(c *Config[int]) { c.MaxLifetime, c.LifetimeJitter = time.Second, time.Second }},
		{"MaxIdleTime", func(c *Config[int]) { c.MaxIdleTime = -1 }},
		{"AcquireTimeout", func(c *Config[int]) { c.AcquireTimeout = -1 }},
		{"CreateTimeout", func(c *Config[int]) { c.CreateTimeout = -1 }},
		{"CreateBackoff", func(c *Config[int]) { c.CreateBackoff = -1 }},
		{"MaxCreateBackoff", func(c *Config[int]) { c.MaxCreateBackoff = -1 }},
		{"MaxCreateBackoff", func(c *Config[int]) { c.CreateBackoff, c.MaxCreateBackoff = time.Second, time.Millisecond }},
		{"CheckAfterIdle", func(c *Config[int]) { c.CheckAfterIdle = -1 }},
		{"CheckAfterIdle", func(c *Config[int]) { c.CheckAfterIdle = time.Second }},
		{"CheckIdleEvery", func(c *Config[int]) { c.Check, c.CheckIdleEvery = check, -1 }},
		{"CheckIdleEvery", func(c *Config[int]) { c.CheckIdleEvery = time.Second }},
		{"CheckTimeout", func(c *Config[int]) { c.CheckTimeout = -1 }},
		{"LeakTimeout", func(c *Config[int]) { c.LeakTimeout = -1 }},
		{"OnLeak", func(c *Config[int]) { c.OnLeak = func(Leak) {} }},
		{"Order", func(c *Config[int]) { c.Order = Order(7) }},
		{"MaintenanceInterval", func(c *Config[int]) { c.MaintenanceInterval = -1 }},
		{"MaintenanceInterval", func(c *Config[int]) { c.MaintenanceInterval = time.Microsecond }},
	}
	for _, tt := range tests {
		cfg := validConfig()
		tt.edit(&cfg)
		p, err := New(cfg)
		if p != nil || err == nil {
			t.Errorf("%s: New accepted an invalid config", tt.field)
			continue
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("%s: got %v, want a *ConfigError for field %s", tt.field, err, tt.field)
		}
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v does not match ErrInvalidConfig", tt.field, err)
		}
		if !strings.Contains(err.Error(), "Config."+tt.field) {
			t.Errorf("%s: message %q does not name the field", tt.field, err)
		}
	}
}

func TestNewAcceptsFullConfig(t *testing.T) {
	cfg := Config[int]{
		New:              func(context.Context) (int, error) { return 1, nil },
		Close:            func(int) error { return nil },
		Check:            func(context.Context, int) error { return nil },
		MaxSize:          8,
		MinIdle:          1,
		MaxIdle:          4,
		MaxLifetime:      time.Hour,
		LifetimeJitter:   time.Minute,
		MaxIdleTime:      time.Minute,
		AcquireTimeout:   time.Second,
		CreateTimeout:    time.Second,
		CreateBackoff:    time.Millisecond,
		MaxCreateBackoff: time.Second,
		CheckAfterIdle:   time.Second,
		CheckIdleEvery:   time.Minute,
		CheckTimeout:     time.Second,
		LeakTimeout:      time.Minute,
		OnLeak:           func(Leak) {},
		Order:            FIFO,
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDerivedMaintenanceInterval(t *testing.T) {
	tests := []struct {
		ds   []time.Duration
		want time.Duration
	}{
		{nil, time.Second},
		{[]time.Duration{time.Hour}, time.Second},
		{[]time.Duration{2 * time.Second, time.Hour}, 500 * time.Millisecond},
		{[]time.Duration{time.Millisecond}, 10 * time.Millisecond},
		{[]time.Duration{0, 400 * time.Millisecond}, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := derivedInterval(tt.ds...); got != tt.want {
			t.Errorf("derivedInterval(%v) = %v, want %v", tt.ds, got, tt.want)
		}
	}
}

// FuzzConfig checks that New either accepts a config and gives a working
// pool, or rejects it with a *ConfigError naming a field, and never panics.
func FuzzConfig(f *testing.F) {
	f.Add(4, 0, 0, int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), int64(0), uint8(0), false)
	f.Add(1, 1, 1, int64(time.Hour), int64(time.Minute), int64(time.Minute), int64(time.Second), int64(time.Second), int64(time.Millisecond), int64(time.Second), int64(time.Minute), int64(time.Second), uint8(1), true)
	f.Add(-3, 5, -1, int64(-1), int64(5), int64(-2), int64(-1), int64(-1), int64(-1), int64(1), int64(-1), int64(3), uint8(9), true)
	f.Fuzz(func(t *testing.T, maxSize, minIdle, maxIdle int, lifetime, jitter, idleTime, acquireTimeout, createTimeout,
		backoff, checkAfter, leak, interval int64, order uint8, withCheck bool) {
		cfg := Config[int]{
			New:                 func(context.Context) (int, error) { return 1, nil },
			MaxSize:             maxSize % 64,
			MinIdle:             minIdle % 64,
			MaxIdle:             maxIdle % 64,
			MaxLifetime:         time.Duration(lifetime),
			LifetimeJitter:      time.Duration(jitter),
			MaxIdleTime:         time.Duration(idleTime),
			AcquireTimeout:      time.Duration(acquireTimeout),
			CreateTimeout:       time.Duration(createTimeout),
			CreateBackoff:       time.Duration(backoff),
			CheckAfterIdle:      time.Duration(checkAfter),
			LeakTimeout:         time.Duration(leak),
			MaintenanceInterval: time.Duration(interval),
			Order:               Order(order % 3),
		}
		if withCheck {
			cfg.Check = func(context.Context, int) error { return nil }
		}
		p, err := New(cfg)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field == "" || !strings.Contains(err.Error(), ce.Field) {
				t.Fatalf("New: %v is not a *ConfigError naming a field", err)
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r, err := p.Acquire(ctx)
		if err != nil {
			t.Fatalf("Acquire on an accepted config: %v", err)
		}
		r.Release()
		if err := p.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}
