// Package config declares command-line settings once and reads them from three places, in
// order of precedence: a flag on the command line, a CUEPOINT_* environment variable, and an
// optional YAML file named by --config. Everything not set keeps its declared default.
//
// A setting named "kafka-brokers" is the flag --kafka-brokers, the environment variable
// CUEPOINT_KAFKA_BROKERS and the YAML key kafka-brokers. Declare flags next to the code they
// configure, on the *FlagSet a command hands out:
//
//	fs := config.NewFlagSet("bidder", "Serve OpenRTB 2.6 bid requests.")
//	addr := fs.String("addr", ":8081", "listen address")
//	tmax := fs.Duration("max-tmax", 100*time.Millisecond, "upper bound for tmax")
//	fs.Check(func() error {
//		if *tmax <= 0 {
//			return fmt.Errorf("--max-tmax must be positive, got %s", *tmax)
//		}
//		return nil
//	})
//	if err := fs.Parse(args); err != nil {
//		return err // a *UsageError: the caller prints it and exits with code 2
//	}
//
// Parse fails with a *UsageError naming the setting and where its bad value came from, so a
// typo in an environment variable is as clear as one on the command line.
package config
