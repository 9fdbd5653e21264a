package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
)

// The admin commands work on the data folder directly, so they need no
// running server; a running server sees their changes at its next request
// (apps and keys are read from the store, not cached).

// adminService opens the store and a service without an engine.
func adminService(df *dataFlags) (*service.Service, store.Store, error) {
	st, key, err := df.open()
	if err != nil {
		return nil, nil, err
	}
	return service.New(service.Config{Store: st, Gallery: index.New(), PINKey: pinKey(key)}), st, nil
}

func runApp(args []string, out io.Writer) error {
	if len(args) == 0 {
		return usageError{"app needs a subcommand: create, list, show, plan, delete"}
	}
	fs := flag.NewFlagSet("app "+args[0], flag.ContinueOnError)
	var df dataFlags
	df.register(fs)
	name := fs.String("name", "", "application name (create)")
	plan := fs.String("plan", "free", "plan: free, pro or enterprise (create)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	svc, st, err := adminService(&df)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	switch args[0] {
	case "create":
		if *name == "" && len(pos) == 1 {
			*name = pos[0]
		}
		app, err := svc.CreateApp(ctx, *name, *plan)
		if err != nil {
			return err
		}
		secret, _, err := svc.CreateKey(ctx, app.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "app        %s\nname       %s\nplan       %s\npublic id  %s   (safe in a web page: the widget uses it)\nprivate key %s   (backend only; shown once)\n",
			app.ID, app.Name, app.Plan, app.PublicID, secret)
	case "list":
		apps, err := st.Apps(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPLAN\tPUBLIC ID\tCREATED")
		for _, a := range apps {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ID, a.Name, a.Plan, a.PublicID, a.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "show":
		if len(pos) != 1 {
			return usageError{"app show APP_ID"}
		}
		a, err := st.App(ctx, pos[0])
		if err != nil {
			return err
		}
		n, err := st.CountFaces(ctx, a.ID)
		if err != nil {
			return err
		}
		return writeJSON(out, map[string]any{"id": a.ID, "name": a.Name, "plan": a.Plan, "public_id": a.PublicID,
			"settings": a.Settings, "faces": n, "created_at": a.CreatedAt})
	case "plan":
		if len(pos) != 2 {
			return usageError{"app plan APP_ID PLAN"}
		}
		a, err := svc.App(ctx, pos[0])
		if err != nil {
			return err
		}
		if err := svc.SetPlan(ctx, a, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(out, "app %s is on the %s plan\n", a.ID, a.Plan)
	case "delete":
		if len(pos) != 1 {
			return usageError{"app delete APP_ID"}
		}
		if err := svc.DeleteApp(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(out, "deleted app %s with its keys and faces\n", pos[0])
	default:
		return usageError{fmt.Sprintf("unknown app subcommand %q", args[0])}
	}
	return nil
}

func runKey(args []string, out io.Writer) error {
	if len(args) == 0 {
		return usageError{"key needs a subcommand: create APP_ID, list APP_ID, revoke APP_ID KEY_ID"}
	}
	fs := flag.NewFlagSet("key "+args[0], flag.ContinueOnError)
	var df dataFlags
	df.register(fs)
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	svc, st, err := adminService(&df)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	switch {
	case args[0] == "create" && len(pos) == 1:
		secret, k, err := svc.CreateKey(ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "key %s\nprivate key %s   (shown once)\n", k.ID, secret)
	case args[0] == "list" && len(pos) == 1:
		keys, err := st.Keys(ctx, pos[0])
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := ""
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\n", k.ID, k.Prefix, k.CreatedAt.Format(time.RFC3339), revoked)
		}
		return tw.Flush()
	case args[0] == "revoke" && len(pos) == 2:
		if err := st.RevokeKey(ctx, pos[0], pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked key %s\n", pos[1])
	default:
		return usageError{"key create APP_ID | key list APP_ID | key revoke APP_ID KEY_ID"}
	}
	return nil
}

func runAdmin(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "token" {
		return usageError{"admin token: make a new admin token"}
	}
	fs := flag.NewFlagSet("admin token", flag.ContinueOnError)
	var df dataFlags
	df.register(fs)
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	svc, st, err := adminService(&df)
	if err != nil {
		return err
	}
	defer st.Close()
	tok, err := svc.CreateAdminToken(context.Background())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "admin token %s   (shown once)\n", tok)
	return nil
}
