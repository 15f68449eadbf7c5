package hooktest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/verify"
)

// Provider names [SampleBody] and [EventTypes] know. The HMAC senders use
// the names package verify reports in Delivery.Provider.
const (
	ProviderCheckly     = verify.ProviderCheckly
	ProviderStatusStack = verify.ProviderStatusStack
	ProviderOnCall      = "oncall"
	ProviderDatadog     = "datadog"
	ProviderGrafana     = verify.ProviderGrafanaAlerting
	ProviderPagerDuty   = verify.ProviderPagerDuty
)

// SampleProviders lists the providers with sample bodies, in a stable order.
func SampleProviders() []string {
	return []string{ProviderCheckly, ProviderStatusStack, ProviderOnCall, ProviderDatadog, ProviderGrafana, ProviderPagerDuty, ProviderAlertmanager}
}

// EventTypes lists the event types [SampleBody] builds for provider, the
// default first: ALERT_TYPE values for Checkly, event names for StatusStack,
// event.type values for Grafana OnCall, $ALERT_TRANSITION values for
// Datadog, statuses for Grafana Alerting and Alertmanager, event_type
// values for PagerDuty.
// It returns nil for a provider without samples.
func EventTypes(provider string) []string {
	var out []string
	switch provider {
	case ProviderCheckly:
		out = []string{string(checkly.AlertFailure)}
		for _, t := range ChecklyAlertTypes() {
			if t != checkly.AlertFailure {
				out = append(out, string(t))
			}
		}
	case ProviderStatusStack:
		out = StatusStackEventTypes()
	case ProviderOnCall:
		types := OnCallEventTypes()
		out = append([]string{types[1]}, types[0])
		out = append(out, types[2:]...)
	case ProviderDatadog:
		for _, t := range DatadogTransitions() {
			out = append(out, string(t))
		}
	case ProviderGrafana:
		out = GrafanaStatuses()
	case ProviderPagerDuty:
		out = PagerDutyEventTypes()
	case ProviderAlertmanager:
		out = AlertmanagerStatuses()
	}
	return out
}

// SampleBody returns the body provider sends for eventType at the given
// time, as the typed sample functions build and render it (Datadog's with
// the recommended payload). An empty eventType selects the provider's
// default, the first of [EventTypes]. Event types match ignoring case, and
// for Checkly and Datadog every spelling their parsers accept
// ("alert_failure", "re-triggered"). The error lists the valid types.
func SampleBody(provider, eventType string, at time.Time) ([]byte, error) {
	types := EventTypes(provider)
	if types == nil {
		return nil, fmt.Errorf("hooktest: no samples for provider %q (have %s)", provider, strings.Join(SampleProviders(), ", "))
	}
	if eventType == "" {
		eventType = types[0]
	}
	t, ok := matchEventType(provider, eventType, types)
	if !ok {
		return nil, fmt.Errorf("hooktest: %s has no event type %q (have %s)", provider, eventType, strings.Join(types, ", "))
	}
	switch provider {
	case ProviderCheckly:
		return ChecklyBody(ChecklyAlert(checkly.AlertType(t), at)), nil
	case ProviderStatusStack:
		return StatusStackBody(StatusStackEvent(t, at)), nil
	case ProviderOnCall:
		return OnCallBody(OnCallEvent(t, at)), nil
	case ProviderDatadog:
		return DatadogBody(DatadogEvent(datadog.Transition(t), at)), nil
	case ProviderPagerDuty:
		return PagerDutyBody(PagerDutyEvent(t, at)), nil
	case ProviderAlertmanager:
		return AlertmanagerBody(AlertmanagerMessage(t, at)), nil
	default:
		return GrafanaBody(GrafanaMessage(t, at)), nil
	}
}

func matchEventType(provider, s string, types []string) (string, bool) {
	switch provider {
	case ProviderCheckly:
		s = string(checkly.ParseAlertType(s))
	case ProviderDatadog:
		s = string(datadog.ParseTransition(s))
	}
	i := slices.IndexFunc(types, func(t string) bool { return strings.EqualFold(t, strings.TrimSpace(s)) })
	if i < 0 {
		return "", false
	}
	return types[i], true
}
