package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ferrygateway/ferry"
	"github.com/ferrygateway/ferry/core"
)

func runTerminal(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	return dispatch(ctx, "terminal", []subcommand{
		{"show", "show a processing terminal's settings and devices", terminalShow},
		{"set", "change a processing terminal's settings", terminalSet},
	}, args, getenv, stdin, stdout, stderr)
}

func terminalShow(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("terminal show", getenv, stderr).withMerchant(merchantRequired).withJSON(jsonObject)
	terminal := a.String("terminal", "", "processing terminal `id` (required)")
	if err := a.parse(args, "merchant", "terminal"); err != nil {
		return err
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	t, _, err := svc.GetTerminal(ctx, a.merchant, *terminal)
	if err != nil {
		return err
	}
	return printTerminal(ctx, svc, t, a.json, stdout)
}

// onOff is a flag that takes on or off.
type onOff struct{ v *bool }

func (o *onOff) String() string {
	if o.v == nil {
		return ""
	}
	if *o.v {
		return "on"
	}
	return "off"
}

func (o *onOff) Set(s string) error {
	switch s {
	case "on":
		o.v = new(true)
	case "off":
		o.v = new(false)
	default:
		return fmt.Errorf("want on or off")
	}
	return nil
}

// tipList is the --suggested-tips flag: up to three whole percentages
// separated by commas, or off.
type tipList struct{ v *[]int }

func (l *tipList) String() string {
	if l.v == nil {
		return ""
	}
	return formatTips(*l.v)
}

func (l *tipList) Set(s string) error {
	tips := []int{}
	if s != "off" {
		for f := range strings.SplitSeq(s, ",") {
			p, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || p < 1 || p > 100 {
				return fmt.Errorf("%q is not a whole percentage from 1 to 100", f)
			}
			tips = append(tips, p)
		}
		if len(tips) > ferry.MaxSuggestedTips {
			return fmt.Errorf("at most %d suggested tips", ferry.MaxSuggestedTips)
		}
	}
	l.v = &tips
	return nil
}

func terminalSet(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	a := newAdminFlags("terminal set", getenv, stderr).withMerchant(merchantRequired).withJSON(jsonObject)
	f := a.flags
	terminal := a.String("terminal", "", "processing terminal `id` (required)")
	var tips, prompt onOff
	var suggested tipList
	f.Var(&tips, "tips", "take tips: on or off")
	f.Var(&prompt, "tip-prompt", "ask the cardholder for a tip: on or off")
	f.Var(&suggested, "suggested-tips", "up to three whole `percentages` the device offers, e.g. 15,18,20, or off")
	timezone := f.String("timezone", "", "the terminal's `Area/City`, one of Payroc's: "+strings.Join(ferry.TerminalTimezones(), ", "))
	batchClose := f.String("batch-close", "", "how the batch closes: automatic or manual")
	batchTime := f.String("batch-time", "", "when an automatic batch closes each day, as `HH:MM` in the terminal's timezone")
	if err := a.parse(args, "merchant", "terminal"); err != nil {
		return err
	}
	c := core.TerminalChange{Tips: tips.v, TipPrompt: prompt.v, SuggestedTips: suggested.v}
	given := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	if given["timezone"] {
		if !ferry.ValidTimezone(*timezone) {
			return usageErrorf("terminal set: --timezone %s is not a timezone Payroc allows; use one of %s",
				ferry.Quote(*timezone), strings.Join(ferry.TerminalTimezones(), ", "))
		}
		c.Timezone = timezone
	}
	if given["batch-close"] {
		if *batchClose != ferry.BatchCloseAutomatic && *batchClose != ferry.BatchCloseManual {
			return usageErrorf("terminal set: --batch-close must be automatic or manual, got %s", ferry.Quote(*batchClose))
		}
		c.BatchCloseType = batchClose
	}
	if given["batch-time"] {
		if !ferry.ValidBatchCloseTime(*batchTime) {
			return usageErrorf("terminal set: --batch-time must be a time of day as HH:MM (00:00 to 23:59), got %s", ferry.Quote(*batchTime))
		}
		c.BatchCloseTime = batchTime
	}
	if c == (core.TerminalChange{}) {
		return usageErrorf("terminal set: name a setting to change: --tips, --tip-prompt, --suggested-tips, --timezone, --batch-close or --batch-time")
	}
	svc, done, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	t, err := svc.UpdateTerminal(ctx, a.merchant, *terminal, c)
	if err != nil {
		return err
	}
	return printTerminal(ctx, svc, t, a.json, stdout)
}

func formatTips(tips []int) string {
	if len(tips) == 0 {
		return "off"
	}
	s := make([]string, len(tips))
	for i, p := range tips {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

// printTerminal shows a terminal with every device on it (the API lists
// only the first).
func printTerminal(ctx context.Context, svc *core.Service, t *ferry.ProcessingTerminal, asJSON bool, stdout io.Writer) error {
	devices, err := svc.TerminalDevices(ctx, t.MerchantID, t.ID)
	if err != nil {
		return err
	}
	if asJSON {
		serials := make([]string, 0, len(devices))
		for _, d := range devices {
			serials = append(serials, d.SerialNumber)
		}
		return printJSON(stdout, map[string]any{
			"processingTerminalId": t.ID,
			"merchantId":           t.MerchantID,
			"status":               t.Status,
			"timezone":             t.Timezone,
			"tips":                 map[string]any{"enabled": t.Tips.Enabled, "tipPrompt": t.Tips.Prompt, "suggestedTips": t.Tips.Suggested},
			"batchClosure":         map[string]any{"batchCloseType": t.BatchClose.Type, "batchCloseTime": t.BatchClose.Time},
			"devices":              serials,
			"createdAt":            t.CreatedAt,
			"updatedAt":            t.UpdatedAt,
		})
	}
	onoff := map[bool]string{true: "on", false: "off"}
	suggested := "off"
	if len(t.Tips.Suggested) > 0 {
		suggested = formatTips(t.Tips.Suggested) + " percent"
	}
	batch := "manual"
	if t.BatchClose.Type == ferry.BatchCloseAutomatic {
		batch = "automatic at " + t.BatchClose.Time
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "processing terminal:\t%s\n", t.ID)
	fmt.Fprintf(tw, "merchant:\t%s\n", t.MerchantID)
	fmt.Fprintf(tw, "status:\t%s\n", t.Status)
	fmt.Fprintf(tw, "timezone:\t%s\n", t.Timezone)
	fmt.Fprintf(tw, "tips:\t%s (prompt %s, suggested %s)\n", onoff[t.Tips.Enabled], onoff[t.Tips.Prompt], suggested)
	fmt.Fprintf(tw, "batch close:\t%s\n", batch)
	fmt.Fprintf(tw, "devices:\t%d\n", len(devices))
	for _, d := range devices {
		fmt.Fprintf(tw, "  %s\t%s\n", d.SerialNumber, d.Model)
	}
	return tw.Flush()
}
