package sink

import (
	"context"
	"errors"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
)

// maxPoll bounds the records taken per poll, so that the loop checks often whether a flush
// is due: a table's flush holds at most BatchRows+min(maxPoll, BatchRows)-1 rows.
const maxPoll = 10_000

// kafkaOptions configures the consumer: a group member with manual commits, rebalances gated
// by polls (BlockRebalanceOnPoll), revocations synchronized with the inserter, and a new group
// starting at the earliest offset so nothing produced before the first sink ran is lost.
func (s *Sink) kafkaOptions(acc *accumulator, in *inserter) []kgo.Opt {
	topics := make([]string, 0, len(s.topics))
	for t := range s.topics {
		topics = append(topics, t)
	}
	onRevoke := func(_ context.Context, _ *kgo.Client, ps map[string][]int32) {
		revoked := map[tp]bool{}
		for t, parts := range ps {
			for _, p := range parts {
				revoked[tp{t, p}] = true
			}
		}
		if len(revoked) == 0 {
			return
		}
		// Under acc.mu, which the poll loop holds from taking a flush until it is handed
		// over: the revoked partitions are pruned from wherever their records are.
		acc.mu.Lock()
		in.revoke(revoked)
		acc.prune(revoked)
		acc.mu.Unlock()
		s.log.Info("partitions revoked", "partitions", len(revoked))
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(s.cfg.Brokers...),
		kgo.ClientID("cuepoint-sink"),
		kgo.ConsumerGroup(s.cfg.Group),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsRevoked(onRevoke),
		kgo.OnPartitionsLost(onRevoke),
		kgo.FetchMaxBytes(s.cfg.FetchMaxBytes),
		kgo.FetchMaxPartitionBytes(s.cfg.FetchMaxBytes / 4),
		kgo.AllowAutoTopicCreation(), // for the dead-letter topic where brokers allow it
		kgo.RecordDeliveryTimeout(s.cfg.InsertTimeout),
		kgo.WithLogger(kgoLogger{s.log}),
	}
	return append(opts, s.cfg.KafkaOptions...)
}

// poll is the consume loop: poll, decode into the accumulator, allow rebalances, and hand a
// due flush to the inserter, waiting for it while it stores the previous one (the wait is
// the backpressure: no polling, so no fetching, while ClickHouse is slow or down).
func (s *Sink) poll(ctx context.Context, cl *kgo.Client, acc *accumulator, in *inserter) {
	for ctx.Err() == nil {
		acc.mu.Lock()
		due := acc.due(s.cfg.MinBatchRows, s.cfg.BatchRows, s.cfg.BatchInterval)
		deadline := acc.deadline(s.cfg.BatchInterval)
		acc.mu.Unlock()
		if due {
			if !in.waitIdle(ctx) {
				return
			}
			// A revocation cannot fall between take and hand (it holds acc.mu too), so no
			// revoked partition's batch reaches the inserter.
			acc.mu.Lock()
			if f := acc.take(); len(f.parts) > 0 { // a revocation may have emptied it
				in.prewrite(ctx, f)
				in.hand(f)
			}
			acc.mu.Unlock()
			continue
		}

		pctx, cancel := ctx, context.CancelFunc(func() {})
		if !deadline.IsZero() {
			pctx, cancel = context.WithDeadline(ctx, deadline)
		}
		fetches := cl.PollRecords(pctx, min(maxPoll, s.cfg.BatchRows))
		cancel()
		if fetches.IsClientClosed() {
			return
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				s.log.Warn("fetch failed", "topic", topic, "partition", p, "err", err)
			}
		})
		acc.mu.Lock()
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			if n := len(p.Records); n > 0 {
				acc.fetched(tp{p.Topic, p.Partition}, p.Records[n-1].Offset+1, p.HighWatermark)
			}
		})
		fetches.EachRecord(func(rec *kgo.Record) { s.add(acc, rec) })
		acc.mu.Unlock()
		cl.AllowRebalance()
	}
}

// add decodes rec into a row of its partition's batch, or makes it a dead letter.
func (s *Sink) add(acc *accumulator, rec *kgo.Record) {
	t := s.topics[rec.Topic]
	b := acc.batch(rec.Topic, rec.Partition, t)
	typed, err := s.dec.Decode(t.family, rec.Value)
	if err != nil {
		acc.addDead(b, newDeadLetter(s.dlq, rec, err))
		return
	}
	t.add(b.rows, typed, rec.Partition, rec.Offset)
	acc.addRow(b, rec, typed.EventHeader().Time.Unix())
}

// kgoLogger writes the Kafka client's warnings and errors to the sink's logger.
type kgoLogger struct{ log *slog.Logger }

func (l kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (l kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lv := slog.LevelWarn
	if level == kgo.LogLevelError {
		lv = slog.LevelError
	}
	l.log.Log(context.Background(), lv, "kafka: "+msg, keyvals...)
}
