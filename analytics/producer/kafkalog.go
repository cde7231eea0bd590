package producer

import (
	"context"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaLogger passes the Kafka client's warnings and errors to the producer's logger. Below
// warnings the client is chatty about every reconnect, which the spool metrics already tell.
type kafkaLogger struct{ l *slog.Logger }

func (k kafkaLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (k kafkaLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lv := slog.LevelWarn
	if level == kgo.LogLevelError {
		lv = slog.LevelError
	}
	k.l.Log(context.Background(), lv, "kafka: "+msg, keyvals...)
}
