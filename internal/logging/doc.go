// Package logging builds the process's structured logger (log/slog) from two settings,
// --log-level and --log-format, and keeps secrets out of the logs: any attribute whose key
// names a secret (token, secret, password, key, authorization) is written as "REDACTED".
//
//	newLogger := logging.Flags(fs)
//	if err := fs.Parse(args); err != nil { ... }
//	log := newLogger()
package logging
