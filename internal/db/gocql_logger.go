package db

import (
	"context"
	"log/slog"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// GocqlLogger sends gocql's messages (connection errors, reconnects, schema events) to l at
// debug level, with gocql's structured fields as attributes: the callers' own metrics and logs
// report what matters to an operator. A nil l discards them.
func GocqlLogger(l *slog.Logger) gocql.StructuredLogger {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return gocqlLogger{l}
}

type gocqlLogger struct{ l *slog.Logger }

func (g gocqlLogger) Error(msg string, f ...gocql.LogField)   { g.log(msg, f) }
func (g gocqlLogger) Warning(msg string, f ...gocql.LogField) { g.log(msg, f) }
func (g gocqlLogger) Info(msg string, f ...gocql.LogField)    { g.log(msg, f) }
func (g gocqlLogger) Debug(msg string, f ...gocql.LogField)   { g.log(msg, f) }

func (g gocqlLogger) log(msg string, fields []gocql.LogField) {
	if !g.l.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	attrs := make([]any, 0, 2*len(fields))
	for _, f := range fields {
		attrs = append(attrs, f.Name, f.Value.Any())
	}
	g.l.Debug(msg, attrs...)
}
