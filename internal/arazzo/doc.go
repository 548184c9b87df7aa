// Package arazzo runs Arazzo 1.0 workflows, such as Payroc's own
// descriptions of its Payroc Cloud flows, against a server over HTTP.
//
// Parsing, validation, runtime expressions ($inputs.x,
// $steps.s.outputs.o, $response.body#/pointer) and success criteria come
// from github.com/pb33f/libopenapi. Its execution engine is not used: it
// offers no hook between steps, where a point-of-sale system reads an id out
// of a link, and no way to repeat a long-poll until an instruction leaves
// inProgress. This package supplies that loop and the HTTP calls.
//
// The runner supports what Payroc's workflows use: steps that name an
// operationId of one OpenAPI source description, parameters in path, query
// and header, JSON request bodies, success criteria and outputs. Steps that
// run other workflows, success and failure actions, payload replacements and
// selectors are reported as unsupported before any request is sent.
//
// A typical run:
//
//	spec, err := arazzo.LoadSpec("payroc-openapi-spec.yaml")
//	doc, err := arazzo.Load("refund-on-a-device.arazzo.yaml", spec)
//	r := &arazzo.Runner{
//		BaseURL:     "http://127.0.0.1:8080/v1",
//		Header:      http.Header{"Authorization": {"Bearer " + token}},
//		RepeatWhile: arazzo.RepeatInProgress("getRefundInstruction"),
//		BeforeStep:  arazzo.InputFromLink("getRefund", "refundId", "getRefundInstruction", "refundLink"),
//	}
//	res, err := r.Run(ctx, doc, "refund-on-a-device", inputs)
package arazzo
