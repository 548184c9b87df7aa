package ferry

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDateTimeJSON(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2024, 7, 2, 15, 30, 0, 0, time.UTC), `"2024-07-02T15:30:00Z"`},
		{time.Date(2024, 7, 2, 15, 30, 0, 500_000_000, time.UTC), `"2024-07-02T15:30:00Z"`},
		{time.Date(2024, 7, 2, 17, 30, 0, 0, time.FixedZone("CEST", 2*3600)), `"2024-07-02T15:30:00Z"`},
		{time.Date(2024, 7, 1, 22, 0, 0, 0, time.FixedZone("", -17*3600-1800)), `"2024-07-02T15:30:00Z"`},
		{time.Time{}, `"0001-01-01T00:00:00Z"`},
	} {
		b, err := json.Marshal(DateTime(tc.t))
		if err != nil || string(b) != tc.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tc.t, b, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{`"2024-07-02T15:30:00Z"`, time.Date(2024, 7, 2, 15, 30, 0, 0, time.UTC)},
		{`"2024-07-02T15:30:00+02:00"`, time.Date(2024, 7, 2, 13, 30, 0, 0, time.UTC)},
		{`"2024-07-02T15:30:00-05:30"`, time.Date(2024, 7, 2, 21, 0, 0, 0, time.UTC)},
		{`"2024-07-02T15:30:00.123456Z"`, time.Date(2024, 7, 2, 15, 30, 0, 123456000, time.UTC)},
	} {
		var d DateTime
		if err := json.Unmarshal([]byte(tc.in), &d); err != nil || !time.Time(d).Equal(tc.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", tc.in, time.Time(d), err, tc.want)
		}
	}
	for _, in := range []string{`"2024-07-02 15:30"`, `"2024-07-02T15:30:00"`, `"2024-07-02"`, `1719934200`, `"yesterday"`, `""`} {
		var d DateTime
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", in, time.Time(d))
		}
	}
}
