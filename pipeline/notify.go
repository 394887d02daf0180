package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"gmvscope/market"
)

// Publish writes a finished run's report and sends its alerts to the
// config's webhook. A webhook that fails is retried and logged; it never
// fails the run.
func (p *Pipeline) Publish(ctx context.Context, res Result) (Written, error) {
	w, err := p.report(ctx, res.SnapshotID)
	if err != nil {
		return w, err
	}
	if len(w.Alerts) > 0 {
		p.log().Info("alerts", "source", res.Source, "snapshot", res.SnapshotID, "alerts", len(w.Alerts))
	}
	if hook := p.Config.Alerts.Webhook; hook != "" && len(w.Alerts) > 0 {
		p.notify(ctx, hook, res, w)
	}
	return w, nil
}

// WebhookAttempts is how many times the webhook is tried.
const WebhookAttempts = 3

// notify POSTs the alerts as JSON. The URL is never logged: it may hold a
// token.
func (p *Pipeline) notify(ctx context.Context, hook string, res Result, w Written) {
	body, err := json.Marshal(struct {
		Source   string         `json:"source"`
		Snapshot int64          `json:"snapshot"`
		Run      int64          `json:"run"`
		Status   string         `json:"status"`
		Report   string         `json:"report"`
		Alerts   []market.Alert `json:"alerts"`
	}{res.Source, res.SnapshotID, res.RunID, string(res.Status), w.Path, w.Alerts})
	if err != nil {
		p.log().Warn("alerts webhook: cannot encode the alerts", "err", err)
		return
	}
	client := &http.Client{Timeout: 10 * time.Second}
	wait := time.Second
	for attempt := 1; attempt <= WebhookAttempts; attempt++ {
		err := post(ctx, client, hook, body)
		if err == nil {
			p.log().Info("alerts sent to the webhook", "source", res.Source, "alerts", len(w.Alerts), "attempt", attempt)
			return
		}
		p.log().Warn("alerts webhook failed", "source", res.Source, "attempt", attempt, "of", WebhookAttempts, "err", err)
		if attempt < WebhookAttempts {
			if sleepErr := p.sleep(ctx, wait); sleepErr != nil {
				return
			}
			wait *= 2
		}
	}
}

// post sends body and says what went wrong, without the URL.
func post(ctx context.Context, client *http.Client, hook string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return errors.New("bad request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL stays out of the log
		}
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func (p *Pipeline) sleep(ctx context.Context, d time.Duration) error {
	if p.Clock != nil {
		return p.Clock.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
