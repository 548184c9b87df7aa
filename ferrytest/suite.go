package ferrytest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ferrygateway/ferry"
)

// suite is the directory that a package's tests, run through Main, keep
// their databases and logs in until the package's last test has ended.
var suite struct {
	sync.Mutex
	dir string
	n   int
}

// Main runs a package's tests with every database file and log that they
// write kept in one directory (see Dir and Log), and then reads all of it,
// byte by byte: a Luhn-valid run of 13 to 19 digits anywhere fails the run.
// Use it as the package's TestMain.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "ferry-suite-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	suite.dir = dir
	code := m.Run()
	files, found, err := ScanForCardNumbers(dir)
	switch {
	case err != nil:
		fmt.Fprintf(os.Stderr, "card-number scan: %v\n", err)
		code = 1
	case len(found) > 0:
		for _, f := range found {
			fmt.Fprintf(os.Stderr, "card-number scan: %s\n", f)
		}
		code = 1
	default:
		fmt.Printf("card-number scan: no card number in %d database, WAL and log files\n", files)
	}
	if code == 0 {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "the suite's files are kept in %s\n", dir)
	}
	os.Exit(code)
}

// Dir returns a new directory for t's database files: inside the suite's
// directory when the package runs through Main, else t.TempDir.
func Dir(t testing.TB) string {
	suite.Lock()
	defer suite.Unlock()
	if suite.dir == "" {
		return t.TempDir()
	}
	suite.n++
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	dir := filepath.Join(suite.dir, fmt.Sprintf("%04d-%.60s", suite.n, name))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Log returns a writer that keeps what it is given in a log file in t's
// own directory under the suite's (see Dir), or discards it outside Main.
func Log(t testing.TB, name string) io.Writer {
	suite.Lock()
	inSuite := suite.dir != ""
	suite.Unlock()
	if !inSuite {
		return io.Discard
	}
	f, err := os.Create(filepath.Join(Dir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// ScanForCardNumbers reads every file under dir and describes each one
// that holds a card number; files is how many it read.
func ScanForCardNumbers(dir string) (files int, found []string, err error) {
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if pans := FindCardNumbers(b); len(pans) > 0 {
			found = append(found, fmt.Sprintf("%s holds %d card numbers, such as %s", path, len(pans), ferry.MaskCardNumber(pans[0])))
		}
		return nil
	})
	return files, found, err
}
