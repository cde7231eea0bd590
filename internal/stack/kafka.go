package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultKafkaAddr is where the embedded Kafka broker listens unless told otherwise.
const DefaultKafkaAddr = "127.0.0.1:9092"

// KafkaConfig configures the embedded Kafka broker.
type KafkaConfig struct {
	// Root is the stack root: the pidfile goes to Root/run/kafka.json and, with Persist, the
	// log to Root/kafka. Default DefaultRoot.
	Root string
	// Addr is the broker's host:port, DefaultKafkaAddr when empty; port 0 picks a free port.
	// The host is advertised to clients, so it must be one they can dial.
	Addr string
	// Persist keeps topics, records, committed offsets and producer state in Root/kafka
	// across restarts. Without it the broker is in memory and starts empty.
	Persist bool
	// Logger receives the broker's warnings and errors; nil discards them.
	Logger *slog.Logger
}

// Kafka is a single Kafka broker served in this process by franz-go's kfake: the real wire
// protocol (produce, fetch, consumer groups, transactions, compression), so any client,
// kcat included, can use it while this process runs.
type Kafka struct {
	cfg KafkaConfig
	log *slog.Logger

	mu         sync.Mutex
	addr       endpoint // resolved at the first start and kept across restarts
	cluster    *kfake.Cluster
	rec        record
	readyAfter time.Duration
}

// StartKafka starts the embedded broker.
func StartKafka(ctx context.Context, cfg KafkaConfig) (*Kafka, error) {
	if cfg.Root == "" {
		cfg.Root = DefaultRoot
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("kafka: stack root: %w", err)
	}
	cfg.Root = root
	at, err := parseEndpoint("kafka", cfg.Addr, DefaultKafkaAddr)
	if err != nil {
		return nil, err
	}
	k := &Kafka{cfg: cfg, log: logOrDiscard(cfg.Logger).With("dep", DepKafka), addr: at}
	if err := claim(ctx, cfg.Root, DepKafka, k.log); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.startLocked(); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *Kafka) startLocked() error {
	began := time.Now()
	l := listener{dep: DepKafka, role: "broker", at: k.addr, flag: "--kafka-addr", env: "CUEPOINT_KAFKA_BROKERS", identify: speaksKafka}
	opts := []kfake.Opt{
		kfake.Ports(k.addr.port),
		// kfake listens on 127.0.0.1; listen on the configured host instead.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, k.addr.String())
		}),
		kfake.AllowAutoTopicCreation(), // as a default Kafka broker does
		kfake.WithLogger(kfakeLogger{k.log}),
	}
	if k.cfg.Persist {
		opts = append(opts, kfake.DataDir(filepath.Join(k.cfg.Root, "kafka")))
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return l.inUse()
		}
		return fmt.Errorf("kafka: start broker on %s: %w", k.addr, err)
	}
	if k.addr.port == 0 { // keep the chosen port across restarts
		tcp, err := net.ResolveTCPAddr("tcp", cluster.ListenAddrs()[0])
		if err != nil {
			cluster.Close()
			return fmt.Errorf("kafka: listen address: %w", err)
		}
		k.addr.port = tcp.Port
	}
	me := self()
	rec := record{
		Name:    DepKafka,
		Server:  me,
		Owner:   me,
		Command: "kfake (in process)",
		Addrs:   map[string]string{"broker": k.addr.String()},
		Started: time.Now().UTC(),
	}
	if err := writeRecord(k.cfg.Root, rec); err != nil {
		cluster.Close()
		return fmt.Errorf("kafka: %w", err)
	}
	k.cluster, k.rec = cluster, rec
	k.readyAfter = time.Since(began)
	k.log.Info("kafka ready", "addr", k.addr.String(), "persist", k.cfg.Persist, "after", k.readyAfter)
	return nil
}

// Brokers returns the broker's address as a seed list.
func (k *Kafka) Brokers() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return []string{k.addr.String()}
}

// Cluster returns the kfake cluster for fault injection (kfake's Control hooks), or nil
// while the broker is stopped.
func (k *Kafka) Cluster() *kfake.Cluster {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.cluster
}

// ReadyAfter returns how long the last start took.
func (k *Kafka) ReadyAfter() time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.readyAfter
}

// Check pings the broker over the Kafka protocol.
func (k *Kafka) Check(ctx context.Context) error {
	k.mu.Lock()
	running := k.cluster != nil
	k.mu.Unlock()
	if !running {
		return errors.New("kafka: broker stopped")
	}
	return PingKafka(ctx, k.Brokers())
}

// Stop closes the broker (saving its state first when persisted) and removes its pidfile.
// Clients see their connections close. Stop on a stopped broker does nothing.
func (k *Kafka) Stop(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stopLocked()
}

func (k *Kafka) stopLocked() error {
	if k.cluster == nil {
		return nil
	}
	k.cluster.Close()
	k.cluster = nil
	removeRecord(k.cfg.Root, k.rec)
	k.log.Info("kafka stopped")
	return nil
}

// Restart stops the broker if it runs and starts it again on the same address. Without
// Persist it comes back empty.
func (k *Kafka) Restart(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.stopLocked(); err != nil {
		return err
	}
	return k.startLocked()
}

// kfakeLogger forwards the broker's warnings and errors to slog; its per-request info and
// debug lines go to slog's debug level.
type kfakeLogger struct{ log *slog.Logger }

func (l kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	var lvl slog.Level
	switch level {
	case kfake.LogLevelError:
		lvl = slog.LevelError
	case kfake.LogLevelWarn:
		lvl = slog.LevelWarn
	default:
		lvl = slog.LevelDebug
	}
	if l.log.Enabled(context.Background(), lvl) {
		l.log.Log(context.Background(), lvl, "kfake: "+fmt.Sprintf(format, args...))
	}
}
