package a

import (
	"bytes"
	"crypto/hmac"
	"crypto/subtle"
	"reflect"
	"slices"
)

type Key [32]byte

func bad(mac, sig []byte, k1, k2 Key, d1, d2 [32]byte) bool {
	_ = bytes.Equal(mac, sig)          // want `bytes.Equal returns at the first differing byte`
	_ = bytes.Compare(mac, sig) == 0   // want `bytes.Compare returns at the first differing byte`
	_ = reflect.DeepEqual(mac, sig)    // want `reflect.DeepEqual returns at the first differing byte`
	_ = slices.Equal(mac, sig)         // want `slices.Equal returns at the first differing byte`
	_ = slices.Equal[[]byte](mac, sig) // want `slices.Equal returns at the first differing byte`
	_ = k1 == k2                       // want `== between byte arrays`
	return d1 != d2                    // want `!= between byte arrays`
}

func good(mac, sig []byte, k Key, a, b string) bool {
	_ = hmac.Equal(mac, sig)
	_ = subtle.ConstantTimeCompare(mac, sig) == 1
	_ = k == Key{}
	_ = a == b
	//ctcompare:ok the body is public; comparing it leaks nothing
	_ = bytes.Equal(mac, sig)
	return len(mac) == len(sig)
}
