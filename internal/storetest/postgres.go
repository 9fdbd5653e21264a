package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PostgresEnv names the variable that points the tests at a PostgreSQL
// server: the URL of a database in which they may create schemas.
const PostgresEnv = "VISAGE_TEST_POSTGRES"

// defaultPostgres is the server the tests use when PostgresEnv is unset.
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/test"

// PostgresServer returns the URL of the test server's database, without a
// schema. When no server answers there, it skips the test, saying how to
// point the tests at one, unless PostgresEnv named that server: a server
// asked for and missing fails the test. A server that answers with an
// error (a wrong password, no such database) fails it too.
func PostgresServer(t testing.TB) string {
	t.Helper()
	server := os.Getenv(PostgresEnv)
	explicit := server != ""
	if !explicit {
		server = defaultPostgres
	}
	probe.once.Do(func() {
		conn, err := connect(context.Background(), server)
		if err == nil {
			conn.Close(context.Background())
		}
		probe.err = err
	})
	var answered *pgconn.PgError
	switch {
	case probe.err == nil:
		return server
	case explicit || errors.As(probe.err, &answered):
		t.Fatalf("PostgreSQL at %s (%s): %v", redact(server), PostgresEnv, probe.err)
	default:
		t.Skipf("no PostgreSQL server answers at %s (%v): start one there, or set %s to the URL of a database the tests may create schemas in",
			redact(server), probe.err, PostgresEnv)
	}
	return ""
}

// probe is the first connection to the test server: whether one answers
// is asked once, not once a test.
var probe struct {
	once sync.Once
	err  error
}

// PostgresSchema creates a new, empty schema on the test server, named
// from random bytes and dropped with everything in it at the end of the
// test, and returns its name and a URL to open a store on it: the URL's
// search_path is the schema, its application_name the schema's name too
// (so that a test can tell its own connections in pg_stat_activity from
// those of the tests running beside it), and its pool small
// (pool_max_conns=4), since the tests share the server's connections.
func PostgresSchema(t testing.TB) (storeURL, name string) {
	t.Helper()
	server := PostgresServer(t)
	var b [8]byte
	rand.Read(b[:])
	name = "t_" + hex.EncodeToString(b[:])
	exec(t, server, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() { exec(t, server, "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE") })

	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	q.Set("application_name", name)
	if !q.Has("pool_max_conns") {
		q.Set("pool_max_conns", "4")
	}
	u.RawQuery = q.Encode()
	return u.String(), name
}

// PostgresConn opens a connection of its own to url (PostgresServer's, or
// a URL of PostgresSchema: its search_path and application_name then
// apply), closed at the end of the test: to look behind a store's back,
// or to act on its connections.
func PostgresConn(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// exec runs one statement on a connection of its own.
func exec(t testing.TB, server, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// connect opens a plain connection with the URL's settings but those of
// pgxpool (pool_*), which the server would refuse as unknown parameters.
func connect(ctx context.Context, server string) (*pgx.Conn, error) {
	u, err := url.Parse(server)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 3 * time.Second
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// redact hides a password in the URL, for messages.
func redact(server string) string {
	if u, err := url.Parse(server); err == nil {
		return u.Redacted()
	}
	return "the URL in " + PostgresEnv
}
