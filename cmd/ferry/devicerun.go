package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/agent"
	"golang.org/x/term"
)

// deviceRun is `ferry device run`: a payment device on the device
// protocol, driven by a person at the terminal or by the sandbox table.
func deviceRun(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("device run", getenv, stderr)
	serverURL := f.String("url", defaultURL, "Ferry server `URL`")
	credential := f.String("credential", "", "device credential (better: --credential-file, or FERRY_CREDENTIAL)")
	credFile := f.String("credential-file", "", "`file` holding the device credential; pairing writes it")
	pairCode := f.String("pair-code", "", "pair with this one-time `code` first (see `ferry device pair-code`)")
	serial := f.String("serial", "", "this device's serial `number` (needed to pair)")
	auto := f.Bool("auto", false, "act like a simulated device (the sandbox table) instead of asking a person")
	simDelay := f.Duration("sim-delay", time.Second, "with --auto: how long the simulated cardholder takes")
	pollWait := f.Duration("poll-wait", 30*time.Second, "how long each wait for work lasts (at most 60s)")
	logLevel := f.String("log-level", "warn", "log level: debug, info, warn or error")
	if err := f.parse(args); err != nil {
		return err
	}
	if _, err := parseLevel(*logLevel); err != nil {
		return &exitError{code: codeError, err: err}
	}
	log := newLogger(stderr, *logLevel, "text")
	client := agent.NewHTTPClient()

	secret := *credential
	switch {
	case *pairCode != "":
		if *serial == "" {
			return usageErrorf("device run: --pair-code needs --serial")
		}
		resp, err := agent.Pair(ctx, client, *serverURL, *pairCode, *serial)
		if err != nil {
			return fmt.Errorf("pairing: %w", err)
		}
		secret = resp.Credential
		file := *credFile
		if file == "" {
			file = "ferry-device-" + resp.Device.SerialNumber + ".cred"
		}
		if err := writeCredential(file, secret); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Paired as device %s; credential saved to %s (use --credential-file %s next time)\n",
			resp.Device.SerialNumber, file, file)
	case secret == "" && *credFile != "":
		b, err := os.ReadFile(*credFile)
		if err != nil {
			return fmt.Errorf("reading the credential: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if secret == "" {
		return usageErrorf("device run: give --credential-file, --credential (or FERRY_CREDENTIAL), or --pair-code with --serial")
	}

	conn := &agent.HTTPConn{BaseURL: *serverURL, Credential: secret, Session: "run-" + ferry.NewID(), Client: client}
	info, err := connect(ctx, conn, log)
	if err != nil {
		return err
	}
	var cardholder agent.Cardholder
	if *auto {
		cardholder = &agent.Auto{Delay: *simDelay}
	} else {
		if !isTerminal(stdin) {
			fmt.Fprintln(stderr, "ferry: reading the cardholder's actions from standard input; use --auto for the sandbox simulator")
		}
		cardholder = &agent.Console{In: stdin, Out: stdout}
	}
	mode := "interactive"
	if *auto {
		mode = "automatic (sandbox table)"
	}
	fmt.Fprintf(stdout, "Device %s on terminal %s (%s) is connected to %s, %s. Waiting for instructions; Ctrl-C to stop.\n",
		info.SerialNumber, info.ProcessingTerminalID, info.Merchant, *serverURL, mode)
	a := &agent.Agent{Conn: conn, Cardholder: cardholder, Log: log, PollWait: *pollWait}
	if err := a.Run(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Stopped.")
	return nil
}

// connect checks the credential, retrying with backoff while the server
// cannot be reached; a refused credential ends it.
func connect(ctx context.Context, conn *agent.HTTPConn, log *slog.Logger) (*ferry.DeviceInfo, error) {
	for attempt := 1; ; attempt++ {
		info, err := conn.Me(ctx)
		if err == nil {
			return info, nil
		}
		if ferry.ErrorCode(err) == ferry.CodeUnauthorized {
			return nil, fmt.Errorf("the server refused the device credential: %s", ferry.ErrorMessage(err))
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		log.Warn("cannot reach the server; retrying", "err", err, "attempt", attempt)
		select {
		case <-time.After(min(time.Duration(attempt)*time.Second, 10*time.Second)):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// writeCredential saves a credential readable by its owner only.
func writeCredential(path, secret string) error {
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing the credential: %w", err)
	}
	return nil
}

// isTerminal reports whether a reader or writer is a terminal.
func isTerminal(rw any) bool {
	f, ok := rw.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
