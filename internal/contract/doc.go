// Package contract lets Ferry's tests check JSON bodies against the schemas
// in Payroc's own OpenAPI file.
//
// The file is not part of the repository. It is read from
// ../shared/payroc/payroc-openapi-spec.yaml relative to the module root (the
// directory holding go.mod), that is, from a "shared" folder checked out
// beside the repository. Without it, [Load] skips the calling test.
//
// Schemas are read as JSON Schema draft 2020-12, as OpenAPI 3.1 defines
// them. OpenAPI's own keywords (discriminator, example, xml, externalDocs)
// are annotations and are ignored. The formats date, date-time and the other
// formats the JSON Schema vocabulary defines are asserted, and so are
// OpenAPI's int32 and int64. In request bodies, members whose schema is
// readOnly are ignored, as JSON Schema allows ("expected to be ignored or
// rejected by the owning authority").
//
// Paths are OpenAPI path templates relative to the /v1 server base, such as
// "/refund-instructions/{refundInstructionId}"; methods are matched in any
// case.
package contract
