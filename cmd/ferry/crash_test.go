package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/ferrytest"
	"github.com/ferrygateway/ferry/postgres"
	"github.com/ferrygateway/ferry/sqlite"
)

var (
	crashKills = flag.Int("crash.kills", 3, "how many times TestCrash kills a ferry process (make crash runs many more)")
	crashSeed  = flag.Uint64("crash.seed", 0, "the seed of TestCrash's random moments; 0 picks one (and logs it)")
)

// TestCrash kills `ferry serve` with SIGKILL at random moments while POS
// clients submit, cancel and long-poll and simulated devices run the
// refunds, restarts it on the same database and lets every client finish.
// A client whose request got no answer sends it again, with the same
// idempotency key and body, as Payroc asks of a POS. Then the checker reads
// the whole history from the database.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs and kills ferry processes")
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dsn := "sqlite:" + filepath.Join(ferrytest.Dir(t), "ferry.db")
		h := crash(t, dsn, 1)
		db, err := sqlite.Open(context.Background(), strings.TrimPrefix(dsn, "sqlite:"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		h.check(t, db, dsn)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := ferrytest.PostgresURL(t) + "&pool_max_conns=6"
		h := crash(t, dsn, 3)
		db, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		h.check(t, db, dsn)
	})
}

// fleet is n ferry processes on one database, each always on its own
// address, so that a restarted process is where its clients expect it.
type fleet struct {
	t     *testing.T
	bin   string
	dsn   string
	args  []string
	addrs []string
	mu    sync.Mutex
	procs []*instance
}

func newFleet(t *testing.T, dsn string, n int, args ...string) *fleet {
	bin, err := buildFerry()
	if err != nil {
		t.Fatal(err)
	}
	f := &fleet{t: t, bin: bin, dsn: dsn, args: args, procs: make([]*instance, n)}
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f.addrs = append(f.addrs, l.Addr().String())
		l.Close()
	}
	return f
}

// start runs process i; the flag given last wins, so --listen is its own.
func (f *fleet) start(i int) *instance {
	in := startInstance(f.t, f.bin, f.dsn, append(f.args, "--listen", f.addrs[i])...)
	f.mu.Lock()
	f.procs[i] = in
	f.mu.Unlock()
	return in
}

// kill sends SIGKILL to process i and waits for it to die.
func (f *fleet) kill(i int) {
	f.mu.Lock()
	in := f.procs[i]
	f.mu.Unlock()
	in.cmd.Process.Kill()
	in.cmd.Wait()
}

func (f *fleet) url(i int) string { return "http://" + f.addrs[i%len(f.addrs)] }

// crashSub is one submission a client made: its kind, key and amount.
type crashSub struct {
	kind   ferry.InstructionKind
	key    string
	amount int64
}

// crashHistory is what the clients saw.
type crashHistory struct {
	merchant string
	mu       sync.Mutex
	acked    map[string]crashSub     // instruction id → the submission
	final    map[string]ferry.Status // instruction id → the final status seen
	results  map[string]string       // instruction id → its refund's or payment's id, as GET showed it
	repeats  map[string]string       // idempotency key → the instruction a repeat of its submission named
	kills    int
	log      []string // kills, reported if the test fails
	killing  atomic.Bool
}

// late reports whether a client has waited too long for an answer: only
// once the kills have stopped does its deadline run.
func (h *crashHistory) late(deadline *time.Time, limit time.Duration) bool {
	if h.killing.Load() {
		*deadline = time.Now().Add(limit)
		return false
	}
	return time.Now().After(*deadline)
}

func (h *crashHistory) logf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, fmt.Sprintf(format, args...))
}

// crash runs the load on n processes and kills them at random moments.
func crash(t *testing.T, dsn string, n int) *crashHistory {
	seed := *crashSeed
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (replay with -crash.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	f := newFleet(t, dsn, n, "--sim-delay", "10ms", "--lease-ttl", "1s", "--instruction-timeout", "5s", "--poll-wait", "2s")
	first := f.start(0)
	for i := 1; i < n; i++ {
		f.start(i)
	}
	if first.APIKey == "" {
		t.Fatalf("no sandbox API key:\n%s", first.log)
	}
	s := &server{t: t, URL: first.URL, DB: dsn, Merchant: first.Merchant}
	serials := append([]string{}, sandboxSerials...)
	for i := range 2 {
		serial := fmt.Sprintf("CRASH-%d", i)
		s.addDevice(t, first.Merchant, serial, true)
		serials = append(serials, serial)
	}
	token := s.token(t, first.APIKey)
	h := &crashHistory{merchant: first.Merchant, acked: map[string]crashSub{},
		final: map[string]ferry.Status{}, results: map[string]string{}, repeats: map[string]string{}}

	var stop atomic.Bool
	var clients sync.WaitGroup
	h.killing.Store(true)
	for ci, serial := range serials {
		crng := rand.New(rand.NewPCG(seed, uint64(ci)+2))
		clients.Go(func() {
			for round := 0; !stop.Load() || round < 2; round++ {
				if err := h.client(f, token, ci, round, serial, crng); err != nil {
					t.Errorf("client %d: %v", ci, err)
					return
				}
			}
		})
	}

	// The killer: a random process at a random moment, back after a
	// random pause. These sleeps wait for nothing: they pick the kill
	// points, which must fall anywhere in the clients' work.
	for range *crashKills {
		time.Sleep(time.Duration(200+rng.IntN(1200)) * time.Millisecond)
		i := rng.IntN(n)
		f.kill(i)
		h.kills++
		killedAt := time.Now()
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		f.start(i)
		h.logf("%s kill %d of process %d, back after %s", killedAt.Format("15:04:05.000"), h.kills, i, time.Since(killedAt).Round(time.Millisecond))
	}
	h.killing.Store(false)
	stop.Store(true)
	clients.Wait()

	// What a client once saw as final never changes.
	for id, st := range h.final {
		in, err := h.status(f, token, h.acked[id].kind, id, 0)
		if err != nil || in.Status != st {
			t.Errorf("instruction %s was %s, is now %v (%v)", id, st, in, err)
		}
	}
	for i := range n {
		f.kill(i) // the checker reads a database at rest
	}
	return h
}

// client submits one refund or sale on serial, sometimes cancels it,
// long-polls it to the end and fetches its refund or payment, retrying each
// call until answered.
func (h *crashHistory) client(f *fleet, token string, ci, round int, serial string, rng *rand.Rand) error {
	amounts := []int64{4999, 4951, 4952, 4961, 4962, 1234, 100}
	sub := crashSub{kind: ferry.KindRefund, key: ferry.NewIdempotencyKey(), amount: amounts[rng.IntN(len(amounts))]}
	body := refundBody(sub.amount)
	if rng.IntN(2) == 0 {
		sub.kind, body = ferry.KindPayment, saleJSON(sub.amount, "")
	}
	submit := "/v1/devices/" + serial + "/" + string(sub.kind) + "-instructions"
	deadline := time.Now().Add(60 * time.Second)
	var id string
	for attempt := 0; id == ""; attempt++ {
		if h.late(&deadline, time.Minute) {
			return fmt.Errorf("no answer to a submission on %s in 60s", serial)
		}
		st, resp, err := call(&instance{URL: f.url(ci + attempt)}, token, "POST", submit, sub.key, body)
		switch {
		case err != nil || st == 503:
			time.Sleep(50 * time.Millisecond) // retry pause, not a wait: no answer (a process may be dead), so the same request again
		case st == 202:
			var in instruction
			if err := json.Unmarshal(resp, &in); err != nil {
				return err
			}
			id = in.id()
		case st == 409 && strings.Contains(string(resp), "device-busy"):
			time.Sleep(20 * time.Millisecond) // retry pause, not a wait: the device's last instruction is still ending
		case st == 409 && strings.Contains(string(resp), "in progress"):
			time.Sleep(20 * time.Millisecond) // retry pause, not a wait: our own earlier attempt is still in flight
		default:
			return fmt.Errorf("submission: %d %s", st, resp)
		}
	}
	h.mu.Lock()
	if old, dup := h.acked[id]; dup && old != sub {
		h.mu.Unlock()
		return fmt.Errorf("instruction %s acknowledged for two submissions: %+v and %+v", id, old, sub)
	}
	h.acked[id] = sub
	h.mu.Unlock()

	// The same submission again, as a client that lost the answer would send
	// it, to another instance: it must name the same instruction.
	if st, resp, err := call(&instance{URL: f.url(ci + 1)}, token, "POST", submit, sub.key, body); err == nil && st == 202 {
		var again instruction
		if err := json.Unmarshal(resp, &again); err != nil {
			return err
		}
		h.mu.Lock()
		h.repeats[sub.key] = again.id()
		h.mu.Unlock()
	}

	if rng.IntN(4) == 0 { // a quarter are canceled at once, if they still can be
		for attempt := 0; ; attempt++ {
			st, resp, err := call(&instance{URL: f.url(ci + attempt)}, token, "DELETE", sub.kind.Path()+"/"+id, "", nil)
			if err == nil && (st == 204 || st == 409) {
				break
			}
			if err == nil && st != 503 {
				return fmt.Errorf("cancel: %d %s", st, resp)
			}
			if h.late(&deadline, time.Minute) {
				return fmt.Errorf("no answer to a cancel in 60s")
			}
			time.Sleep(50 * time.Millisecond) // retry pause, not a wait: no answer (a process may be dead)
		}
	}
	in, err := h.status(f, token, sub.kind, id, ci+1)
	if err != nil {
		return err
	}
	for in.Status == ferry.StatusInProgress {
		if h.late(&deadline, time.Minute) {
			return fmt.Errorf("instruction %s still in progress after 60s", id)
		}
		if in, err = h.status(f, token, sub.kind, id, ci+round); err != nil {
			return err
		}
	}
	resultID := h.saw(id, in)
	if in.Status == ferry.StatusCompleted {
		if resultID == "" {
			return fmt.Errorf("completed instruction %s links nothing", id)
		}
		for attempt := 0; ; attempt++ {
			st, resp, err := call(&instance{URL: f.url(ci + attempt)}, token, "GET", ferry.ResultPath(in.Link.Rel)+resultID, "", nil)
			if err == nil && st == 200 {
				break
			}
			if err == nil && st != 503 {
				return fmt.Errorf("%s of %s: %d %s", in.Link.Rel, id, st, resp)
			}
			if h.late(&deadline, time.Minute) {
				return fmt.Errorf("no answer to GET %s %s in 60s", in.Link.Rel, resultID)
			}
			time.Sleep(50 * time.Millisecond) // retry pause, not a wait: no answer (a process may be dead)
		}
	}
	return nil
}

// saw records the final state of an instruction as a client saw it, and
// returns the id of the refund or payment it links to, if any.
func (h *crashHistory) saw(id string, in *instruction) (resultID string) {
	if in.Status == ferry.StatusCompleted && in.Link != nil {
		resultID = in.Link.Href[strings.LastIndex(in.Link.Href, "/")+1:]
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.final[id] = in.Status
	h.results[id] = resultID
	return resultID
}

// status long-polls an instruction once, on any process that answers.
func (h *crashHistory) status(f *fleet, token string, k ferry.InstructionKind, id string, from int) (*instruction, error) {
	deadline := time.Now().Add(30 * time.Second)
	var last []string
	for attempt := from; !h.late(&deadline, 30*time.Second); attempt++ {
		sent := time.Now()
		st, resp, err := call(&instance{URL: f.url(attempt)}, token, "GET", k.Path()+"/"+id, "", nil)
		if err != nil || st == 503 {
			last = append(last[max(0, len(last)-4):], fmt.Sprint(sent.Format("15:04:05.000"), " ", st, " ", string(resp), " ", err))
			time.Sleep(50 * time.Millisecond) // retry pause, not a wait: no answer (a process may be dead)
			continue
		}
		if st != 200 {
			return nil, fmt.Errorf("status of %s: %d %s", id, st, resp)
		}
		var in instruction
		return &in, json.Unmarshal(resp, &in)
	}
	return nil, fmt.Errorf("no answer to a status request of %s in 30s:\n%s", id, strings.Join(last, "\n"))
}

// check reads the whole history from the database and states each
// invariant.
func (h *crashHistory) check(t *testing.T, db ferry.Store, dsn string) {
	ctx := context.Background()
	checked := map[string]int{}
	held := func(invariant string, ok bool, format string, args ...any) {
		t.Helper()
		checked[invariant]++
		if !ok {
			t.Errorf("%s: "+format, append([]any{invariant}, args...)...)
		}
	}
	keys := map[string]string{}
	completed := map[ferry.InstructionKind]int{}
	for id, sub := range h.acked {
		in, err := db.InstructionGet(ctx, h.merchant, id)
		held("every acknowledged instruction exists, of the kind and with the amount submitted",
			err == nil && in.Kind == sub.kind && in.Request.Money().Amount == sub.amount,
			"%s (%+v): %+v, %v", id, sub, in, err)
		if err != nil {
			continue
		}
		other, dup := keys[sub.key]
		held("one instruction per idempotency key", !dup, "key %s made %s and %s", sub.key, other, id)
		keys[sub.key] = id
		if again, ok := h.repeats[sub.key]; ok {
			held("a repeated submission names the same instruction", again == id,
				"key %s made %s, its repeat named %s", sub.key, id, again)
		}
		held("every instruction ends", !in.Phase.Active(), "%s is still %s", id, in.Phase)
		held("the database agrees with what the client saw last", h.final[id] == in.Phase.Status(),
			"%s: client saw %s, database has %s", id, h.final[id], in.Phase)
		events, err := db.EventList(ctx, id)
		var reads, completions int
		for _, e := range events {
			switch e.Kind {
			case "card_read":
				reads++
			case "completed":
				completions++
			}
		}
		held("at most one card read and one completion per instruction", err == nil && reads <= 1 && completions <= 1,
			"%s: %d card reads, %d completions, %v", id, reads, completions, err)
		if in.Phase == ferry.PhaseCompleted {
			completed[in.Kind]++
		}
		switch in.Kind {
		case ferry.KindRefund:
			refund, rerr := db.RefundGetByInstruction(ctx, h.merchant, id)
			if in.Phase == ferry.PhaseCompleted {
				held("a completed instruction has its refund or payment, the one the POS was shown",
					rerr == nil && refund.RefundID == in.ResultID && refund.RefundID == h.results[id],
					"%s: refund %+v, %v; the POS saw %q", id, refund, rerr, h.results[id])
			} else {
				held("only a completed instruction has a refund or payment", ferry.ErrorCode(rerr) == ferry.CodeNotFound,
					"%s is %s with refund %+v, %v", id, in.Phase, refund, rerr)
			}
		case ferry.KindPayment:
			if in.Phase == ferry.PhaseCompleted {
				payment, perr := db.PaymentGet(ctx, h.merchant, in.ResultID)
				held("a completed instruction has its refund or payment, the one the POS was shown",
					perr == nil && payment.InstructionID == id && payment.PaymentID == h.results[id],
					"%s: payment %+v, %v; the POS saw %q", id, payment, perr, h.results[id])
			} else {
				held("only a completed instruction has a refund or payment", in.ResultID == "",
					"%s is %s with result %q", id, in.Phase, in.ResultID)
			}
		}
	}
	records := countRows(t, dsn, "SELECT count(*) FROM idempotency_keys")
	held("one idempotency record per acknowledged submission", records == len(h.acked),
		"%d records, %d acknowledged submissions", records, len(h.acked))
	total := countRows(t, dsn, "SELECT count(*) FROM instructions")
	held("the database holds exactly the acknowledged instructions", total == len(h.acked),
		"%d in the database, %d acknowledged", total, len(h.acked))
	for _, table := range []struct {
		name string
		kind ferry.InstructionKind
	}{{"refunds", ferry.KindRefund}, {"payments", ferry.KindPayment}} {
		n := countRows(t, dsn, "SELECT count(*) FROM "+table.name)
		distinct := countRows(t, dsn, "SELECT count(DISTINCT instruction_id) FROM "+table.name)
		held("no refund or payment exists twice, and one per completed instruction", n == completed[table.kind] && distinct == n,
			"%d %s for %d instructions, %d completed", n, table.name, distinct, completed[table.kind])
	}
	statuses := map[ferry.Status]int{}
	for _, st := range h.final {
		statuses[st]++
	}
	t.Logf("%d kills, %d instructions %v", h.kills, len(h.acked), statuses)
	if t.Failed() {
		t.Logf("kills:\n%s", strings.Join(h.log, "\n"))
	}
	for _, invariant := range slices.Sorted(maps.Keys(checked)) {
		t.Logf("checked %4d× %s", checked[invariant], invariant)
	}
}
