package stacktest

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/cuepoint/cuepoint/internal/stack"
)

func TestEnvironmentWins(t *testing.T) {
	t.Setenv(stack.EnvKafkaBrokers, " 10.0.0.1:9092, 10.0.0.2:9092 ")
	t.Setenv(stack.EnvClickHouseAddr, "10.0.0.3:9000")
	t.Setenv(stack.EnvCassandraHosts, "10.0.0.4:9042")
	if got := Kafka(t); !slices.Equal(got, []string{"10.0.0.1:9092", "10.0.0.2:9092"}) {
		t.Errorf("Kafka = %v", got)
	}
	if got := ClickHouse(t); got != "10.0.0.3:9000" {
		t.Errorf("ClickHouse = %q", got)
	}
	if got := Cassandra(t); !slices.Equal(got, []string{"10.0.0.4:9042"}) {
		t.Errorf("Cassandra = %v", got)
	}
}

func TestOwnKafkaAnswers(t *testing.T) {
	t.Setenv(stack.EnvKafkaBrokers, "")
	brokers := Kafka(t)
	if err := stack.PingKafka(t.Context(), brokers); err != nil {
		t.Fatal(err)
	}
}

// Without Main (this package's tests have none), ClickHouse gives each test its own server.
func TestClickHouseWithoutMainIsTheTestsOwn(t *testing.T) {
	t.Setenv(stack.EnvClickHouseAddr, "")
	var addr string
	t.Run("user", func(t *testing.T) {
		addr = ClickHouse(t)
		if _, err := stack.PingClickHouse(t.Context(), addr); err != nil {
			t.Fatal(err)
		}
	})
	if addr == "" {
		t.Skip("no ClickHouse")
	}
	if _, err := stack.PingClickHouse(t.Context(), addr); err == nil {
		t.Fatalf("the server of a finished test still answers on %s", addr)
	}
}

func TestSharedServerStartsOnceAndCleansUp(t *testing.T) {
	var s sharedServer[*stack.Kafka]
	starts := 0
	start := func(root string) (*stack.Kafka, error) {
		starts++
		return stack.StartKafka(context.Background(), stack.KafkaConfig{Root: root, Addr: "127.0.0.1:0"})
	}
	a, err := s.get(start)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.get(start)
	if err != nil || a != b || starts != 1 {
		t.Fatalf("second get: %p %p %v, %d starts", a, b, err, starts)
	}
	root := s.root
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("root %s not removed: %v", root, err)
	}
	if err := a.Check(t.Context()); err == nil {
		t.Fatal("the shared broker still runs after stop")
	}
}

func TestMissingProgramSkipsOutsideCI(t *testing.T) {
	t.Setenv("CI", "")
	var skipped bool
	t.Run("missing", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		fail(t, &stack.NotInstalledError{Program: "clickhouse-server", Install: "apt-get install clickhouse-server"})
	})
	if !skipped {
		t.Fatal("a missing program did not skip the test")
	}
}
