package notify

import (
	"context"
	"testing"
)

func TestSubscribers(t *testing.T) {
	h := New()
	a := h.Subscribe("k")
	b := h.Subscribe("k")
	other := h.Subscribe("other")
	if n := h.Subscribers("k"); n != 2 {
		t.Errorf("Subscribers(k) = %d, want 2", n)
	}
	if n := h.Subscribers("nobody"); n != 0 {
		t.Errorf("Subscribers(nobody) = %d, want 0", n)
	}
	h.Notify(context.Background(), "k")
	for _, s := range []interface{ C() <-chan struct{} }{a, b} {
		select {
		case <-s.C():
		default:
			t.Error("a subscriber of k was not woken")
		}
	}
	select {
	case <-other.C():
		t.Error("a subscriber of another key was woken")
	default:
	}
	a.Close()
	b.Close()
	if n, all := h.Subscribers("k"), h.Len(); n != 0 || all != 1 {
		t.Errorf("after closing: Subscribers(k) = %d, Len = %d; want 0 and 1", n, all)
	}
}
