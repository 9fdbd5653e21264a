package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/visagehq/visage/store"
)

// The audit commands read the store directly, as the admin commands do:
// `audit verify` is meant to be run by someone who does not trust the
// server that wrote the log.

func runAudit(args []string, out io.Writer) error {
	if len(args) == 0 {
		return usageError{"audit needs a subcommand: verify, export"}
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	var df dataFlags
	df.register(fs)
	app := fs.String("app", "", "only this application's entries (export)")
	action := fs.String("action", "", "only entries of this action, e.g. face.delete (export)")
	from := fs.String("from", "", "only entries at or after this time, RFC 3339 or YYYY-MM-DD (export)")
	to := fs.String("to", "", "only entries before this time, RFC 3339 or YYYY-MM-DD (export)")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	st, _, err := df.open()
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	switch args[0] {
	case "verify":
		return auditVerify(ctx, st, out)
	case "export":
		f := store.AuditFilter{AppID: *app, Action: *action}
		if f.From, err = parseWhen("--from", *from); err != nil {
			return err
		}
		if f.To, err = parseWhen("--to", *to); err != nil {
			return err
		}
		return auditExport(ctx, st, f, out)
	}
	return usageError{fmt.Sprintf("unknown audit subcommand %q: verify, export", args[0])}
}

// auditVerify checks the chain and says where it breaks: exit status 1
// when it does.
func auditVerify(ctx context.Context, st store.Store, out io.Writer) error {
	anchor, err := st.AuditAnchor(ctx)
	if err != nil {
		return err
	}
	n, last, problem, err := store.VerifyAudit(ctx, st)
	if err != nil {
		return err
	}
	if anchor.Seq > 0 {
		fmt.Fprintf(out, "entries up to %d were removed by retention; the log starts after them\n", anchor.Seq)
	}
	if problem != nil {
		what := map[string]string{
			"edited":  "does not match its content and the entry before it: it, or the one before, was edited",
			"missing": fmt.Sprintf("follows entry %d: the entries between were deleted", last.Seq),
		}[problem.Why]
		fmt.Fprintf(out, "BROKEN at entry %d: it %s\n%d entries before it verified\n", problem.Seq, what, n)
		return errReported
	}
	fmt.Fprintf(out, "ok: %d entries verified; the last is %d, hash %s\n", n, last.Seq, hex.EncodeToString(last.Hash))
	fmt.Fprintln(out, "keep that hash: an entry removed from the end later shows as a different last one")
	return nil
}

// auditExport writes the entries as JSON lines, with what `audit verify`
// checks (sequence and hash), so that a copy kept elsewhere can be
// compared with the log later.
func auditExport(ctx context.Context, st store.Store, f store.AuditFilter, out io.Writer) error {
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	var after int64
	for {
		page, err := st.AuditLog(ctx, f, after, 1000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return w.Flush()
		}
		for _, e := range page {
			if err := enc.Encode(e); err != nil {
				return err
			}
			after = e.Seq
		}
	}
}

// parseWhen reads a time flag (store.ParseTime).
func parseWhen(name, v string) (time.Time, error) {
	t, ok := store.ParseTime(v)
	if !ok {
		return t, usageError{fmt.Sprintf("%s: %q is neither RFC 3339 (2026-12-01T10:00:00Z) nor a date (2026-12-01)", name, v)}
	}
	return t, nil
}
