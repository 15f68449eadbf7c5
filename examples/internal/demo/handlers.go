package demo

import (
	"context"
	"log/slog"

	"github.com/hookseal/hookseal/event/checkly"
	"github.com/hookseal/hookseal/event/datadog"
	"github.com/hookseal/hookseal/event/oncall"
	"github.com/hookseal/hookseal/event/statusstack"
	"github.com/hookseal/hookseal/middleware"
	"github.com/hookseal/hookseal/store"
)

// RouteOptions are the middleware options every example route uses:
// outcomes logged through log, ordering per resource (so a late FAILURE
// retry that lands after its RECOVERY is dropped as out_of_order), and st as
// the dedupe and ordering store when it is not nil (otherwise each route
// keeps its own in-memory store, which is right for a single replica).
func RouteOptions(log *slog.Logger, st store.Store) []middleware.Option {
	opts := []middleware.Option{
		middleware.WithObserver(middleware.SlogObserver(log)),
		middleware.WithOrdering(0),
	}
	if st != nil {
		opts = append(opts, middleware.WithStore(st))
	}
	return opts
}

// The handlers below are where an application's own code goes. They run
// only for deliveries that are authentic, fresh, new and in order, with the
// body decoded into the provider's type; returning an error answers 500 so
// the sender retries, and the retry is processed rather than taken for a
// duplicate. Here they log what arrived.

// Checkly handles a Checkly alert.
func Checkly(log *slog.Logger) middleware.HandlerFunc[checkly.Alert] {
	return func(ctx context.Context, e middleware.Event[checkly.Alert]) error {
		a := &e.Payload
		log.LogAttrs(ctx, slog.LevelInfo, "checkly alert",
			slog.String("alert_type", string(a.AlertType)),
			slog.String("check_id", a.CheckID),
			slog.String("check_name", a.CheckName),
			slog.Bool("failing", a.AlertType.IsFailure()),
			slog.Bool("recovered", a.AlertType.IsRecovery()),
			slog.Time("started_at", a.StartedAt),
			slog.String("secret_id", e.Delivery.SecretID))
		return nil
	}
}

// StatusStack handles a StatusStack notification.
func StatusStack(log *slog.Logger) middleware.HandlerFunc[statusstack.Event] {
	return func(ctx context.Context, e middleware.Event[statusstack.Event]) error {
		ev := &e.Payload
		attrs := []slog.Attr{
			slog.String("event", ev.Event),
			slog.String("resource", ev.ResourceKey()),
			slog.String("stack", ev.Stack.Slug),
			slog.Time("timestamp", ev.Timestamp),
			slog.String("secret_id", e.Delivery.SecretID),
		}
		if c := ev.Component; c != nil {
			attrs = append(attrs,
				slog.String("component", c.Name),
				slog.String("previous_status", c.PreviousStatus),
				slog.String("current_status", c.CurrentStatus))
		}
		log.LogAttrs(ctx, slog.LevelInfo, "statusstack event", attrs...)
		return nil
	}
}

// OnCall handles a Grafana OnCall outgoing webhook.
func OnCall(log *slog.Logger) middleware.HandlerFunc[oncall.Event] {
	return func(ctx context.Context, e middleware.Event[oncall.Event]) error {
		ev := &e.Payload
		log.LogAttrs(ctx, slog.LevelInfo, "oncall event",
			slog.String("type", ev.Event.Type),
			slog.String("alert_group", ev.ResourceKey()),
			slog.String("state", ev.AlertGroup.State),
			slog.String("title", ev.AlertGroup.Title),
			slog.String("secret_id", e.Delivery.SecretID))
		return nil
	}
}

// Datadog handles a Datadog webhook.
func Datadog(log *slog.Logger) middleware.HandlerFunc[datadog.Event] {
	return func(ctx context.Context, e middleware.Event[datadog.Event]) error {
		ev := &e.Payload
		log.LogAttrs(ctx, slog.LevelInfo, "datadog event",
			slog.String("event_type", string(ev.Type)),
			slog.String("transition", string(ev.AlertTransition)),
			slog.String("alert_id", ev.AlertID),
			slog.String("title", ev.Title),
			slog.Bool("recovered", ev.IsRecovery()),
			slog.String("secret_id", e.Delivery.SecretID))
		return nil
	}
}
