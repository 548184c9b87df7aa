// Package loadgen is Ferry's load generator, the engine of `ferry bench`.
//
// It measures a real Ferry from outside, the way clients see it: for each
// scenario it starts `ferry serve` processes (the same binary) on a new
// database (a SQLite file, or a schema of a PostgreSQL database that is
// dropped afterwards), learns each one's address and the sandbox's API key
// from the ready line that `ferry serve --ready-json` prints, registers the
// devices it needs on the database directly, and sends the load over
// loopback HTTP from this process, Config.Concurrency clients at once on
// keep-alive connections.
//
// What it measures: requests per second; latency per request or per
// refund, as the 50th and 99th percentiles of every request of the timed
// part of a scenario (warm-ups excluded); start-up time, from exec to the
// ready line; the server's resident memory and CPU time, read from /proc
// (Linux), while idle and while long-polls are held. Every rate is also
// reported as a ratio to the baseline scenario, a minimal net/http JSON
// server measured with the same load in the same run, because a shared
// host's speed moves between runs. docs/performance.md describes each
// scenario and records the figures.
package loadgen
