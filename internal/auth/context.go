package auth

import "context"

// Who acts travels in the context: the web layer puts each request's principal there (the
// anonymous one on public routes), the command line the local operator, a background job its
// system principal. The store and the services over it read it with PrincipalFrom and refuse a
// context without one: there is no implicit "full access".

type principalKey struct{}

type clientKey struct{}

// WithPrincipal returns ctx carrying the acting principal.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx, nil when none was set (a programming error that
// every reader of children's data refuses).
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// WithClientIP returns ctx carrying the client's address, for the audit trail.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientKey{}, ip)
}

// ClientIP returns the client's address of ctx, "" outside a request.
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientKey{}).(string)
	return ip
}

// ActorOf names who acts in ctx for histories and the audit trail: user:<name>, cli:<os user>,
// system:<job>, or "anonymous" without a principal.
func ActorOf(ctx context.Context) string {
	if p := PrincipalFrom(ctx); p != nil {
		return p.Actor()
	}
	return "anonymous"
}
