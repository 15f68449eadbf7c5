//go:build !unix

package redisstore_test

import "errors"

func (s *server) pause() error  { return errors.ErrUnsupported }
func (s *server) resume() error { return errors.ErrUnsupported }
