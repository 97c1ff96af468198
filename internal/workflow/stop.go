package workflow

// errStop ends an iteration early from inside its callback; the caller knows it is not a failure.
type errStop struct{}

func (errStop) Error() string { return "stop" }
