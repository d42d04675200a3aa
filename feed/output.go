package feed

import "context"

// Output is a place built bundles are published to: the HTTP [Server]
// (which swaps the bundle in), a folder ([Publisher] over a [DirStore]), a
// bucket of an object store. The daemon hands every bundle it builds to
// each of its outputs, in the order it built them.
//
// Publish returns once the output holds b, or once it has taken b over to
// publish it later ([Background]). An output that writes only what changed
// asks the bundle what that is: [Bundle.DeltaSince] the last bundle it
// published. A failed Publish leaves the output as consistent as it was
// (every link resolving); the next one catches up.
type Output interface {
	Publish(ctx context.Context, b *Bundle) error
}

// Publish swaps b in: requests from now on are answered from it. It never
// fails.
func (s *Server) Publish(_ context.Context, b *Bundle) error {
	s.Swap(b)
	return nil
}
