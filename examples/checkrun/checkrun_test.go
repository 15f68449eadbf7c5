package main

import (
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/statusstack"
	"github.com/hookseal/hookseal/verify"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testMapper() mapper {
	return mapper{check: "hookseal.monitor", host: "h", now: func() time.Time { return now }}
}

func TestChecklyStatus(t *testing.T) {
	want := map[checkly.AlertType]int{ // -1: not submitted
		checkly.NoAlert:               -1,
		checkly.AlertFailure:          statusCritical,
		checkly.AlertFailureRemain:    statusCritical,
		checkly.AlertFailureDegraded:  statusWarning,
		checkly.AlertRecovery:         statusOK,
		checkly.AlertDegraded:         statusWarning,
		checkly.AlertDegradedRemain:   statusWarning,
		checkly.AlertDegradedFailure:  statusCritical,
		checkly.AlertDegradedRecovery: statusOK,
		checkly.AlertSSL:              -1,
		"ALERT_FROM_THE_FUTURE":       -1,
	}
	m := testMapper()
	for typ, status := range want {
		r, ok := m.fromCheckly(&checkly.Alert{AlertType: typ, CheckID: "c1"}, verify.Delivery{})
		switch {
		case status < 0 && ok:
			t.Errorf("%s: submitted status %d, want nothing", typ, r.Status)
		case status >= 0 && !ok:
			t.Errorf("%s: not submitted, want status %d", typ, status)
		case ok && r.Status != status:
			t.Errorf("%s: status %d, want %d", typ, r.Status, status)
		}
	}
	// No name: the check id tags the run. No STARTED_AT: the delivery's
	// timestamp dates it.
	sent := now.Add(-time.Minute)
	r, _ := m.fromCheckly(&checkly.Alert{AlertType: checkly.AlertFailure, CheckID: "c1"}, verify.Delivery{Timestamp: sent})
	if r.Tags[0] != "check:c1" || r.Timestamp != sent.Unix() || r.Message != "Checkly ALERT_FAILURE: c1" {
		t.Errorf("got %+v", r)
	}
	if _, ok := m.fromCheckly(&checkly.Alert{AlertType: checkly.AlertFailure}, verify.Delivery{}); ok {
		t.Error("an alert naming no check was submitted")
	}
}

func TestStatusStackStatus(t *testing.T) {
	comp := func(status string) *statusstack.Component {
		return &statusstack.Component{ID: "comp_1", Name: "API", CurrentStatus: status}
	}
	for _, c := range []struct {
		event  string
		comp   *statusstack.Component
		mon    *statusstack.Monitor
		inc    *statusstack.Incident
		status int // -1: not submitted
		tag    string
	}{
		{statusstack.ComponentStatusChanged, comp("operational"), nil, nil, statusOK, "component:API"},
		{statusstack.ComponentStatusChanged, comp("degraded"), nil, nil, statusWarning, "component:API"},
		{statusstack.ComponentStatusChanged, comp("critical"), nil, nil, statusCritical, "component:API"},
		{statusstack.ComponentStatusChanged, comp("maintenance"), nil, nil, statusUnknown, "component:API"},
		{statusstack.ComponentStatusChanged, comp("on_fire"), nil, nil, -1, ""},
		{statusstack.ComponentStatusChanged, nil, nil, nil, -1, ""},
		{statusstack.IncidentCreated, comp(""), nil, &statusstack.Incident{ID: "inc_1"}, statusCritical, "component:API"},
		{statusstack.IncidentCreated, nil, nil, &statusstack.Incident{ID: "inc_1"}, statusCritical, "incident:inc_1"},
		{statusstack.IncidentResolved, comp("critical"), nil, nil, statusOK, "component:API"},
		{statusstack.IncidentUpdated, comp("critical"), nil, nil, -1, ""},
		{statusstack.MonitorDown, nil, &statusstack.Monitor{ID: "mon_1", Name: "Homepage"}, nil, statusCritical, "monitor:Homepage"},
		{statusstack.MonitorRecovered, nil, &statusstack.Monitor{ID: "mon_1"}, nil, statusOK, "monitor:mon_1"},
		{statusstack.MonitorRecovered, nil, nil, nil, -1, ""},
		{statusstack.MaintenanceScheduled, comp("operational"), nil, nil, -1, ""},
	} {
		e := &statusstack.Event{Event: c.event, Timestamp: now.Add(-time.Minute), Component: c.comp, Monitor: c.mon, Incident: c.inc}
		r, ok := testMapper().fromStatusStack(e)
		name := c.event
		if c.comp != nil {
			name += "/" + c.comp.CurrentStatus
		}
		switch {
		case c.status < 0 && ok:
			t.Errorf("%s: submitted %+v, want nothing", name, r)
		case c.status >= 0 && !ok:
			t.Errorf("%s: not submitted, want status %d", name, c.status)
		case ok && (r.Status != c.status || r.Tags[0] != c.tag || r.Tags[1] != "provider:statusstack"):
			t.Errorf("%s: got status %d tags %q, want %d [%s provider:statusstack]", name, r.Status, r.Tags, c.status, c.tag)
		}
	}
}

func TestTimestamp(t *testing.T) {
	m := testMapper()
	for _, c := range []struct {
		at   time.Time
		want time.Time
	}{
		{now.Add(-time.Minute), now.Add(-time.Minute)},
		{now.Add(-9 * time.Minute), now.Add(-9 * time.Minute)},
		{now.Add(-11 * time.Minute), now}, // older than Datadog takes
		{now.Add(time.Minute), now},       // sender's clock ahead
		{time.Time{}, now},
	} {
		if got := m.timestamp(c.at); got != c.want.Unix() {
			t.Errorf("timestamp(%s) = %d, want %d", c.at, got, c.want.Unix())
		}
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", maxMessage+10)
	got := truncate(long, maxMessage)
	if n := len([]rune(got)); n != maxMessage || !strings.HasPrefix(long, got) {
		t.Errorf("truncate kept %d characters", n)
	}
	if truncate("short", maxMessage) != "short" {
		t.Error("short message changed")
	}
}
