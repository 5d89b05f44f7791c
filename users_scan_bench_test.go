package posthogusers

import (
	"bytes"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// BenchmarkDecodePage decodes a page of 100 full users from memory, the way
// a scan does, to weigh its choices: users decoded with the page's shared
// teams and organizations (what Users and Pages do), each decoded on its
// own, each kept whole as well (what User.Raw cost), and raw users only
// (what Raw does).
func BenchmarkDecodePage(b *testing.B) {
	var page bytes.Buffer
	page.WriteString(`{"count":100,"next":null,"previous":null,"results":[`)
	for i := range 100 {
		if i > 0 {
			page.WriteByte(',')
		}
		page.Write(mustJSON(b, fixtureUser(b, i+1)))
	}
	page.WriteString("]}")
	body := page.Bytes()
	decoders := []struct {
		name  string
		items func() func(*jsontext.Decoder) error
		opts  []jsontext.Options // as newPageDecoder gives them
	}{
		{"users=shared", func() func(*jsontext.Decoder) error {
			decode := userItems()
			return func(dec *jsontext.Decoder) error { _, _, err := decode(dec); return err }
		}, []jsontext.Options{jsontext.AllowDuplicateNames(true)}},
		{"users=each", func() func(*jsontext.Decoder) error {
			return func(dec *jsontext.Decoder) error { var u User; return json.UnmarshalDecode(dec, &u) }
		}, nil},
		{"users=each-kept-whole", func() func(*jsontext.Decoder) error {
			return func(dec *jsontext.Decoder) error {
				v, err := dec.ReadValue()
				if err != nil {
					return err
				}
				var u User
				return json.Unmarshal(v.Clone(), &u)
			}
		}, nil},
		{"users=raw", func() func(*jsontext.Decoder) error {
			decode := rawItems()
			return func(dec *jsontext.Decoder) error { _, _, err := decode(dec); return err }
		}, []jsontext.Options{jsontext.AllowDuplicateNames(true)}},
	}
	for _, d := range decoders {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := decodePage(jsontext.NewDecoder(bytes.NewReader(body), d.opts...), d.items()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/user")
		})
	}
}
