package producer

import (
	"testing"

	"github.com/cuepoint/cuepoint/internal/config"
)

func TestFlags(t *testing.T) {
	fs := config.NewFlagSet("t", "test")
	fs.SetEnv(func(k string) (string, bool) {
		if k == "CUEPOINT_KAFKA_BROKERS" {
			return "k1:9092,k2:9092", true
		}
		return "", false
	})
	settings := Flags(fs)
	if err := fs.Parse([]string{"--spool-dir", "/var/spool/cp"}); err != nil {
		t.Fatal(err)
	}
	brokers, opts := settings("bidder")
	c := defaults()
	for _, o := range opts {
		o(&c)
	}
	if len(brokers) != 2 || brokers[1] != "k2:9092" || c.spoolDir != "/var/spool/cp/bidder" || c.service != "bidder" {
		t.Fatalf("brokers %v, config %+v", brokers, c)
	}

	fs = config.NewFlagSet("t", "test")
	Flags(fs)
	if err := fs.Parse([]string{"--kafka-delivery-timeout", "100ms"}); !config.IsUsage(err) {
		t.Fatalf("delivery timeout below 1s: %v, want a usage error", err)
	}
}
