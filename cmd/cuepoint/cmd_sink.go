package main

import (
	"context"
	"errors"

	"github.com/cuepoint/cuepoint/analytics/sink"
	"github.com/cuepoint/cuepoint/internal/config"
	"github.com/cuepoint/cuepoint/internal/logging"
	"github.com/cuepoint/cuepoint/internal/server"
)

const sinkSummary = "Consume the analytics event topics and store every event exactly once in ClickHouse."

func init() {
	register(command{name: "sink", summary: sinkSummary, run: runSink})
}

func runSink(ctx context.Context, args []string) error {
	fs := config.NewFlagSet("sink", sinkSummary+"\n\n"+
		"Reads cuepoint.{bids,wins,ads,playback,recs} as consumer group --group, inserts batches into the\n"+
		"raw tables of --clickhouse-database (apply the schema first with `cuepoint migrate`), commits\n"+
		"offsets after ClickHouse acknowledged, and sends undecodable events to cuepoint.deadletter.\n"+
		"Run as many instances as there are partitions to share; /readyz reports ClickHouse and Kafka.")
	var p platformFlags
	p.register(fs)
	cfg := sink.Flags(fs)
	addr := fs.String("addr", ":8087", "listen address of /metrics, /healthz and /readyz")
	newLog := logging.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLog()
	cfg.Brokers, cfg.ClickHouseAddr, cfg.Database, cfg.Logger = p.kafka(), p.clickhouse(), p.clickhouseDatabase, log
	s, err := sink.New(*cfg)
	if err != nil {
		return &config.UsageError{Err: err}
	}
	srv := server.New("sink", *addr, server.WithLogger(log))
	s.Mount(srv)

	// The sink and the server stop together: on a signal, or when either ends.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sinkDone := make(chan error, 1)
	go func() {
		sinkDone <- s.Run(ctx)
		cancel()
	}()
	err = server.Run(ctx, log, srv)
	cancel()
	return errors.Join(err, <-sinkDone)
}
