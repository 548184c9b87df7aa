package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ferrygateway/ferry/core"
	"github.com/jackc/pgx/v5"
)

// cluster is a new database with Ferry instances on it, and a registry in
// the bench's process for seeding it.
type cluster struct {
	dsn       string
	instances []*proc
	registry  Registry
	close     func()
	token     string // the sandbox merchant's bearer token
	merchant  string // the sandbox merchant's id
}

// cluster starts Config.Instances servers on a new database.
func (b *Bench) cluster(ctx context.Context) (*cluster, error) {
	dsn, dropDB, err := b.newDatabase(ctx)
	if err != nil {
		return nil, err
	}
	cl := &cluster{dsn: dsn}
	var closers []func()
	cl.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		dropDB()
	}
	args := []string{"serve", "--ready-json", "--listen", "127.0.0.1:0", "--db", dsn, "--sim-delay", "0s", "--instruction-timeout", "1h",
		"--poll-wait", "55s", "--log-level", "error", "--max-waiting-polls", fmt.Sprint(b.Config.Polls + 1000)}
	args = append(args, strings.Fields(b.Config.ServeArgs)...)
	for i := range b.Config.Instances {
		p, err := b.start(ctx, args...)
		if err != nil {
			cl.close()
			return nil, err
		}
		closers = append(closers, func() {
			p.stop()
			if b.ShowServerLog {
				fmt.Fprint(b.Out, p.stderr.String())
			}
		})
		cl.instances = append(cl.instances, p)
		if i == 0 {
			cl.merchant = p.Merchant
			if cl.token, err = b.authorize(ctx, p.URL, p.APIKey); err != nil {
				cl.close()
				return nil, err
			}
		}
	}
	reg, closeReg, err := b.Open(ctx, dsn)
	if err != nil {
		cl.close()
		return nil, err
	}
	closers = append(closers, closeReg)
	cl.registry = reg
	return cl, nil
}

// newDatabase makes an empty database for one scenario and returns its DSN
// and a function that removes it.
func (b *Bench) newDatabase(ctx context.Context) (string, func(), error) {
	if !b.Config.postgres() {
		dir, err := os.MkdirTemp("", "ferry-bench-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, "ferry.db"), func() { os.RemoveAll(dir) }, nil
	}
	conn, err := pgx.Connect(ctx, b.Config.DB)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	rb := make([]byte, 4)
	rand.Read(rb)
	schema := "ferry_bench_" + hex.EncodeToString(rb)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(b.Config.DB)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		if c, err := pgx.Connect(context.Background(), b.Config.DB); err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	}
	return u.String(), drop, nil
}

// addDevices registers n devices of the sandbox merchant named prefix-0 …
// prefix-(n-1), 64 at a time.
func (cl *cluster) addDevices(ctx context.Context, prefix string, n int, simulated bool) error {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				_, err := cl.registry.AddDevice(ctx, core.AddDeviceParams{MerchantID: cl.merchant, SerialNumber: fmt.Sprintf("%s-%d", prefix, i),
					ProcessingTerminalID: "1234001", Simulated: simulated})
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}
