package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/internal/httpx"
)

// device is one item of Payroc's device search, with Ferry's own fields
// (online, lastSeen, processingTerminalId, simulated) added.
type device struct {
	DeviceID        string           `json:"deviceId"`
	Tender          string           `json:"tender"`
	SerialNumber    string           `json:"serialNumber"`
	CreatedDate     ferry.DateTime   `json:"createdDate"`
	DeviceType      deviceType       `json:"deviceType"`
	LastTransaction *lastTransaction `json:"lastTransaction,omitempty"`

	ProcessingTerminalID string          `json:"processingTerminalId"`
	Online               bool            `json:"online"`
	LastSeen             *ferry.DateTime `json:"lastSeen,omitempty"`
	Simulated            bool            `json:"simulated"`
}

type deviceType struct {
	Model        string `json:"model"`
	Manufacturer string `json:"manufacturer"`
}

type lastTransaction struct {
	OrderID              string         `json:"orderId"`
	DateTime             ferry.DateTime `json:"dateTime"`
	ProcessingTerminalID string         `json:"processingTerminalId"`
}

// page is Payroc's paginated list.
type page[T any] struct {
	Limit   int          `json:"limit"`
	Count   int          `json:"count"`
	HasMore bool         `json:"hasMore"`
	Links   []ferry.Link `json:"links,omitempty"`
	Data    []T          `json:"data"`
}

// listParams reads Payroc's paging parameters: limit (1 to 100, default
// 10), and at most one of before and after.
func listParams(q url.Values) (limit int, before, after string, err error) {
	var fields []ferry.FieldError
	limit = 10
	if v := q.Get("limit"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > 100 {
			fields = append(fields, ferry.FieldError{Parameter: "limit", Detail: "invalid", Message: "limit must be a whole number from 1 to 100"})
		}
		limit = n
	}
	before, after = q.Get("before"), q.Get("after")
	if before != "" && after != "" {
		fields = append(fields, ferry.FieldError{Parameter: "before", Detail: "not allowed", Message: "send before or after, not both"})
	}
	if len(fields) > 0 {
		return 0, "", "", ferry.Invalid(fields...)
	}
	return limit, before, after, nil
}

// searchDevices is Payroc's GET /v1/devices: the merchant's devices in
// serial-number order, filtered by serialNumber, model or active.
func (s *Server) searchDevices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, before, after, err := listParams(q)
	if err != nil {
		return err
	}
	var fields []ferry.FieldError
	check := func(name string, max int) string {
		v := q.Get(name)
		if q.Has(name) && (v == "" || len([]rune(v)) > max) {
			fields = append(fields, ferry.FieldError{Parameter: name, Detail: "invalid length",
				Message: name + " must be 1 to " + strconv.Itoa(max) + " characters"})
		}
		return v
	}
	serial, model, ksi := check("serialNumber", 64), check("model", 30), check("ksi", 16)
	active := q.Get("active")
	if active != "" && active != "true" && active != "false" {
		fields = append(fields, ferry.FieldError{Parameter: "active", Detail: "invalid", Message: "active must be true or false"})
	}
	if len(fields) > 0 {
		return ferry.Invalid(fields...)
	}
	out := page[device]{Limit: limit, Data: []device{}}
	// Ferry's devices are all active and have no key serial identifier.
	if active == "false" || ksi != "" {
		return httpx.WriteJSON(w, http.StatusOK, out)
	}
	list, err := s.svc.ListDevices(r.Context(), ferry.DeviceListParams{
		MerchantID: principal(r).MerchantID, SerialNumber: serial, Model: model,
		After: after, Before: before, Limit: limit + 1,
	})
	if err != nil {
		return err
	}
	more := len(list) > limit
	if more {
		if before != "" {
			list = list[1:] // paging back reads the nearest limit+1; drop the farthest
		} else {
			list = list[:limit]
		}
	}
	for _, d := range list {
		out.Data = append(out.Data, s.device(r, d))
	}
	out.Count = len(out.Data)
	out.HasMore = more
	if len(list) > 0 {
		link := func(rel, key, cursor string) ferry.Link {
			// The query repeated: the search's own parameters, not
			// whatever else the request carried.
			v := url.Values{}
			for _, k := range []string{"serialNumber", "model", "active", "ksi", "limit"} {
				if q.Has(k) {
					v[k] = q[k]
				}
			}
			v.Set(key, cursor)
			return ferry.Link{Rel: rel, Method: "GET", Href: s.baseURL(r) + "/v1/devices?" + v.Encode()}
		}
		first, last := list[0].SerialNumber, list[len(list)-1].SerialNumber
		// A next link whenever hasMore is true or the page was reached by
		// paging back; a previous link whenever earlier devices may exist.
		if (before == "" && more) || before != "" {
			out.Links = append(out.Links, link("next", "after", last))
			out.HasMore = true
		}
		if after != "" || (before != "" && more) {
			out.Links = append(out.Links, link("previous", "before", first))
		}
	}
	return httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) device(r *http.Request, d *ferry.Device) device {
	out := device{
		DeviceID:             d.ID,
		Tender:               "creditDebit",
		SerialNumber:         d.SerialNumber,
		CreatedDate:          ferry.DateTime(d.CreatedAt),
		DeviceType:           deviceType{Model: d.Model, Manufacturer: "ferry"},
		ProcessingTerminalID: d.ProcessingTerminalID,
		Online:               s.svc.DeviceOnline(d),
		Simulated:            d.Simulated,
	}
	if !d.LastSeenAt.IsZero() {
		seen := ferry.DateTime(d.LastSeenAt)
		out.LastSeen = &seen
	}
	if in, err := s.svc.LastTransaction(r.Context(), d); err == nil {
		out.LastTransaction = &lastTransaction{OrderID: in.Request.Reference(), DateTime: ferry.DateTime(in.UpdatedAt),
			ProcessingTerminalID: in.Request.Terminal()}
	}
	return out
}
