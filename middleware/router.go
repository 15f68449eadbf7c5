package middleware

import "context"

// Router dispatches events to handlers by event type. Its Dispatch method
// is a HandlerFunc: pass it to NewRoute, or to an adapter.
type Router[T any] struct {
	handlers map[string]HandlerFunc[T]
	fallback HandlerFunc[T]
}

// NewRouter returns an empty Router.
func NewRouter[T any]() *Router[T] {
	return &Router[T]{handlers: map[string]HandlerFunc[T]{}}
}

// On registers fn for events of type eventType (Event.Type, from the
// payload's event.Payload EventType), replacing any earlier registration.
func (rt *Router[T]) On(eventType string, fn HandlerFunc[T]) *Router[T] {
	rt.handlers[eventType] = fn
	return rt
}

// Default registers fn for event types without a handler of their own, an
// empty type included. Without a default, such events are answered 200
// with outcome unhandled, or incomplete when the body carried no type.
func (rt *Router[T]) Default(fn HandlerFunc[T]) *Router[T] {
	rt.fallback = fn
	return rt
}

// Dispatch calls the handler registered for e.Type, the default handler, or
// returns ErrUnhandled.
func (rt *Router[T]) Dispatch(ctx context.Context, e Event[T]) error {
	if fn, ok := rt.handlers[e.Type]; ok && fn != nil && e.Type != "" {
		return fn(ctx, e)
	}
	if rt.fallback != nil {
		return rt.fallback(ctx, e)
	}
	return ErrUnhandled
}
