package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
	"github.com/visagehq/visage/store/postgres"
	"github.com/visagehq/visage/store/sqlite"
)

// copyWorkers is how many faces are copied at once: PostgreSQL commits
// each in its own transaction, and a few in flight hide the round trips.
const copyWorkers = 4

// runStore runs `visage store copy`.
func runStore(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "copy" {
		return usageError{"store: usage: visage store copy --from sqlite://DIR --to postgres://… [--dry-run]"}
	}
	fs := flag.NewFlagSet("store copy", flag.ContinueOnError)
	from := fs.String("from", "", "the store to copy: sqlite://DIR, a data folder (its visage.db and visage.key)")
	to := fs.String("to", "", "the store to fill: postgres://user@host:5432/db, which must hold no application yet")
	dry := fs.Bool("dry-run", false, "read and check everything, write nothing")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	dir, ok := strings.CutPrefix(*from, "sqlite://")
	if !ok || dir == "" {
		return usageError{"store copy: --from must be sqlite://DIR, the data folder of the SQLite store"}
	}
	if !strings.HasPrefix(*to, "postgres://") && !strings.HasPrefix(*to, "postgresql://") {
		return usageError{"store copy: --to must be a postgres:// URL"}
	}
	ctx := context.Background()
	key, err := store.LoadOrCreateKey(dir)
	if err != nil {
		return err
	}
	db := filepath.Join(dir, "visage.db")
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("store copy: no SQLite store in %s: %w", dir, err)
	}
	src, err := sqlite.Open(db, key)
	if err != nil {
		return err
	}
	defer src.Close()
	var dst store.Copier
	if !*dry {
		// The target is sealed with the source's key: every replica
		// serving it needs this visage.key.
		pg, err := postgres.Open(ctx, *to, key)
		if err != nil {
			return err
		}
		defer pg.Close()
		if apps, err := pg.Apps(ctx); err != nil {
			return err
		} else if len(apps) > 0 {
			return fmt.Errorf("store copy: the target already holds %d applications; copy into an empty database or schema", len(apps))
		}
		dst = pg
	}
	start := time.Now()
	n, err := copyStore(ctx, src, dst)
	if err != nil {
		return err
	}
	verb := "copied"
	if *dry {
		verb = "dry run: would copy"
	}
	fmt.Fprintf(out, "%s %d applications, %d keys, %d accounts, %d admin tokens, %d faces (every template and payload decrypted and checked), %d days of usage, in %s\n",
		verb, n.apps, n.keys, n.accounts, n.tokens, n.faces, n.days, time.Since(start).Round(time.Millisecond))
	if *dry {
		return nil
	}
	if err := verifyCopy(ctx, src, dst, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "verified: every application's faces, keys, account and usage match. Start every replica with --store %s and this folder's visage.key.\n", redact(*to))
	return nil
}

// copied counts what a copy moved.
type copied struct{ apps, keys, accounts, tokens, faces, days int }

// copyStore copies src into dst, or with dst nil reads and checks all of
// src as a copy would.
func copyStore(ctx context.Context, src, dst store.Copier) (copied, error) {
	var n copied
	tokens, err := src.AdminTokens(ctx)
	if err != nil {
		return n, err
	}
	for _, t := range tokens {
		if dst != nil {
			if err := dst.ImportAdminToken(ctx, t); err != nil {
				return n, err
			}
		}
		n.tokens++
	}
	apps, err := src.Apps(ctx)
	if err != nil {
		return n, err
	}
	for _, a := range apps {
		if err := copyApp(ctx, src, dst, &a, &n); err != nil {
			return n, fmt.Errorf("store copy: application %s: %w", a.ID, err)
		}
		n.apps++
	}
	return n, nil
}

// copyApp copies one application: the app, its account, its keys, its
// webhooks, its faces with their numbers, and its usage.
func copyApp(ctx context.Context, src, dst store.Copier, a *visage.App, n *copied) error {
	if dst != nil {
		if err := dst.CreateApp(ctx, a); err != nil {
			return err
		}
	}
	acct, err := src.AccountByApp(ctx, a.ID)
	switch {
	case err == nil:
		if dst != nil {
			if err := dst.ImportAccount(ctx, acct); err != nil {
				return err
			}
		}
		n.accounts++
	case visage.ErrorCode(err) != visage.CodeNotFound:
		return err
	}
	keys, err := src.Keys(ctx, a.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if dst != nil {
			if err := dst.CreateKey(ctx, &k); err != nil {
				return err
			}
		}
		n.keys++
	}
	// Webhooks, with their secrets: the copy delivers the events made
	// on it from then on (the events themselves are not copied).
	hooks, err := src.Webhooks(ctx, a.ID)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		if dst != nil {
			h := store.Webhook{ID: h.ID, AppID: h.AppID, URL: h.URL, Secret: h.Secret, Events: h.Events, Disabled: h.Disabled, CreatedAt: h.CreatedAt}
			if err := dst.CreateWebhook(ctx, &h); err != nil {
				return err
			}
		}
	}
	faces, err := copyFaces(ctx, src, dst, a.ID)
	if err != nil {
		return err
	}
	n.faces += faces
	numbered, err := src.FacesNumbered(ctx, a.ID)
	if err != nil {
		return err
	}
	if dst != nil {
		if err := dst.SetFacesNumbered(ctx, a.ID, numbered); err != nil {
			return err
		}
	}
	days, err := src.Usage(ctx, a.ID, time.Unix(0, 0), time.Now().AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	for _, d := range days {
		if dst != nil {
			if err := dst.ImportUsage(ctx, a.ID, d); err != nil {
				return err
			}
		}
		n.days++
	}
	return nil
}

// copyFaces copies the app's faces, each read whole (templates decrypted,
// which checks them) and written with its ID, number, PIN state and
// times, copyWorkers at a time.
func copyFaces(ctx context.Context, src, dst store.Store, appID string) (int, error) {
	ids := make(chan string)
	var (
		mu    sync.Mutex
		first error
		count int
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range copyWorkers {
		wg.Go(func() {
			for id := range ids {
				f, err := src.Face(ctx, appID, id)
				if err == nil && dst != nil {
					err = dst.CreateFace(ctx, f)
				}
				if err != nil {
					fail(fmt.Errorf("face %s: %w", id, err))
					cancel()
					continue
				}
				mu.Lock()
				count++
				mu.Unlock()
			}
		})
	}
	after := ""
	for ctx.Err() == nil {
		page, err := src.Faces(ctx, appID, after, 500)
		if err != nil {
			fail(err)
			break
		}
		for _, f := range page {
			select {
			case ids <- f.ID:
			case <-ctx.Done():
			}
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	close(ids)
	wg.Wait()
	if first == nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) {
		first = ctx.Err()
	}
	return count, first
}

// verifyCopy compares, application by application, what both stores
// hold, and fails on the first difference.
func verifyCopy(ctx context.Context, src, dst store.Copier, out io.Writer) error {
	apps, err := src.Apps(ctx)
	if err != nil {
		return err
	}
	for _, a := range apps {
		for _, check := range []struct {
			what string
			of   func(store.Copier) (int64, error)
		}{
			{"faces", func(s store.Copier) (int64, error) { n, err := s.CountFaces(ctx, a.ID); return int64(n), err }},
			{"keys", func(s store.Copier) (int64, error) { k, err := s.Keys(ctx, a.ID); return int64(len(k)), err }},
			{"face numbers", func(s store.Copier) (int64, error) { return s.FacesNumbered(ctx, a.ID) }},
			{"calls", func(s store.Copier) (int64, error) { return usageSum(ctx, s, a.ID, false) }},
			{"widget sessions", func(s store.Copier) (int64, error) { return usageSum(ctx, s, a.ID, true) }},
		} {
			want, err := check.of(src)
			if err != nil {
				return err
			}
			got, err := check.of(dst)
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("store copy: application %s: the target holds %d %s, the source %d", a.ID, got, check.what, want)
			}
		}
	}
	return nil
}

func usageSum(ctx context.Context, s store.Store, appID string, sessions bool) (int64, error) {
	days, err := s.Usage(ctx, appID, time.Unix(0, 0), time.Now().AddDate(0, 0, 1))
	var n int64
	for _, d := range days {
		if sessions {
			n += d.Sessions
		} else {
			n += d.Calls
		}
	}
	return n, err
}

// redact hides a URL's password for printing.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	at := strings.LastIndexByte(rest, '@')
	if !ok || at < 0 {
		return url
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + "://" + user + rest[at:]
}
