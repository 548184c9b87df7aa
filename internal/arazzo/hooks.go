package arazzo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"slices"
)

// InProgress reports whether resp's body is a JSON object whose status is
// inProgress, as an instruction's is until the device finishes with it.
func InProgress(resp *Response) bool {
	var body struct {
		Status string `json:"status"`
	}
	return json.Unmarshal(resp.Body, &body) == nil && body.Status == "inProgress"
}

// RepeatInProgress returns a Runner.RepeatWhile that repeats the named
// steps while their response is InProgress, as Payroc's workflows ask of
// the steps that poll an instruction. Other steps run once: a step that
// only confirms an instruction is still in progress before canceling it
// must not wait for it to finish.
func RepeatInProgress(stepIDs ...string) func(stepID string, resp *Response) bool {
	return func(stepID string, resp *Response) bool {
		return slices.Contains(stepIDs, stepID) && InProgress(resp)
	}
}

// LastSegment returns the last segment of the path of href, such as
// CD3HN88U9F for https://api.payroc.com/v1/refunds/CD3HN88U9F. It returns
// an error if href is not a URL or its path has no last segment.
func LastSegment(href string) (string, error) {
	u, err := url.Parse(href)
	if err != nil {
		return "", fmt.Errorf("link %q: %w", href, err)
	}
	seg := path.Base(u.Path)
	if seg == "/" || seg == "." || seg == "" {
		return "", fmt.Errorf("link %q has no path segment", href)
	}
	return url.PathUnescape(seg)
}

// InputFromLink returns a Runner.BeforeStep that, before the step named
// before, sets input to the last path segment of the link that step from
// gave as its output named output. This is how a point-of-sale system gets
// the paymentId, refundId or signatureId of a completed instruction, which
// Payroc returns only as the tail of the instruction's link.href. It
// returns an error if that output is missing or not a link.
func InputFromLink(before, input, from, output string) func(stepID string, st *State) error {
	return func(stepID string, st *State) error {
		if stepID != before {
			return nil
		}
		href, ok := st.Outputs[from][output].(string)
		if !ok {
			return fmt.Errorf("input %s: step %s gave no link as output %s (outputs: %v)", input, from, output, st.Outputs[from])
		}
		id, err := LastSegment(href)
		if err != nil {
			return fmt.Errorf("input %s: %w", input, err)
		}
		st.Inputs[input] = id
		return nil
	}
}
