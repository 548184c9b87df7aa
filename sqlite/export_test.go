package sqlite

import "context"

// OpenAt opens a database file with default options, for tests.
func OpenAt(path string) (*DB, error) { return Open(context.Background(), path, Options{}) }

// WatchFile is watchFile, for tests.
var WatchFile = watchFile

// ResultError is resultError, for tests.
var ResultError = resultError
