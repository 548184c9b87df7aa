package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// baselineBody is the baseline server's one answer: a status answer of
// the size Ferry's is.
var baselineBody = []byte(`{"refundInstructionId":"` + baselineID + `","status":"completed","link":{"rel":"refund","method":"GET","href":"http://127.0.0.1:8080/v1/refunds/CD3HN88U9F"}}`)

// ServeBaseline runs the baseline scenario's server on listen until ctx
// ends: the least an HTTP JSON server can do, the same answer to every
// request. Once it listens it prints one ready line on stdout, as `ferry
// serve --ready-json` does (without a sandbox or version). It returns the
// error that stopped it, or nil when ctx ended.
func ServeBaseline(ctx context.Context, listen string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(baselineBody)
	})}
	go func() { <-ctx.Done(); srv.Close() }()
	line, _ := json.Marshal(map[string]any{"ready": true, "url": "http://" + ln.Addr().String(), "addr": ln.Addr().String()})
	fmt.Fprintf(stdout, "%s\n", line)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
