package config

import (
	"encoding"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"github.com/madoguchi/madoguchi/internal/didyoumean"
)

// The file is decoded into a plain map first and then walked against the
// schema, rather than decoded straight into the structs: that way every
// problem (a typo, a string where a number goes, a bad duration) is reported
// as a KeyError that names its key, all of them at once, and the environment
// overrides reuse the same table of keys.

// field is one scalar key of the schema.
type field struct {
	key   string // "imap.batch_size", or "field" within a rule
	index []int  // reflect path from the enclosing struct
}

var (
	sectionFields   = sync.OnceValue(func() []field { return scalarFields(reflect.TypeFor[Config](), "", nil, 1) })
	ruleFields      = sync.OnceValue(func() []field { return scalarFields(reflect.TypeFor[Rule](), "", nil, 0) })
	tierFields      = sync.OnceValue(func() []field { return scalarFields(reflect.TypeFor[Tier](), "", nil, 0) })
	mailboxFields   = sync.OnceValue(func() []field { return scalarFields(reflect.TypeFor[Mailbox](), "", nil, 0) })
	webhookFields   = sync.OnceValue(func() []field { return scalarFields(reflect.TypeFor[Webhook](), "", nil, 0) })
	alertMailFields = sync.OnceValue(func() []field { return scalarFields(reflect.TypeFor[AlertMail](), "", nil, 0) })
	// tablePaths are the tables of the schema: every proper prefix of a
	// key ("sla", "sla.P1"), so a misspelt table is told from a nested one.
	tablePaths   = sync.OnceValue(func() map[string]bool { return tablesOf(sectionFields()) })
	durationType = reflect.TypeFor[Duration]()
	businessType = reflect.TypeFor[BusinessTime]()
	secretType   = reflect.TypeFor[Secret]()
)

// tablesOf lists the tables of fields: every proper prefix of a key.
func tablesOf(fields []field) map[string]bool {
	m := map[string]bool{}
	for _, f := range fields {
		for i := range len(f.key) {
			if f.key[i] == '.' {
				m[f.key[:i]] = true
			}
		}
	}
	return m
}

// isSpan reports whether t is one of the duration types, a scalar written
// as a string ("30s", "1bd") though a struct in Go.
func isSpan(t reflect.Type) bool { return t == durationType || t == businessType }

// tableArrays are the arrays of tables of the schema ([[rules]],
// [[escalation.tiers]]): each is decoded on its own, element by element.
var tableArrays = map[string]func(c *Config, val any, data string) error{
	"rules": func(c *Config, val any, data string) (err error) {
		c.Rules, err = decodeTables[Rule]("rules", val, ruleFields(), data, nil)
		return err
	},
	"escalation.tiers": func(c *Config, val any, data string) (err error) {
		c.Escalation.Tiers, err = decodeTables[Tier]("escalation.tiers", val, tierFields(), data, nil)
		return err
	},
	"mailboxes": func(c *Config, val any, data string) (err error) {
		c.Mailboxes, err = decodeTables("mailboxes", val, mailboxFields(), data, defaultMailbox)
		return err
	},
	"webhooks": func(c *Config, val any, data string) (err error) {
		c.Webhooks, err = decodeTables[Webhook]("webhooks", val, webhookFields(), data, nil)
		return err
	},
	"alerts.mail": func(c *Config, val any, data string) (err error) {
		c.Alerts.Mail, err = decodeTables[AlertMail]("alerts.mail", val, alertMailFields(), data, nil)
		return err
	},
}

// scalarFields lists the scalar keys of t. depth is how many levels of
// tables to descend first (1 for Config: its fields are the sections).
// Below that, a struct field (other than a Duration) is a nested table
// ([sla.P1]) and is descended too; a slice of structs is an array of tables
// ([[rules]]), decoded on its own. Embedded structs (Server) are flattened,
// as the TOML encoder does.
func scalarFields(t reflect.Type, prefix string, index []int, depth int) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		idx := append(slices.Clone(index), i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			out = append(out, scalarFields(f.Type, prefix, idx, depth)...)
			continue
		}
		name := f.Tag.Get("toml")
		switch {
		case f.Type.Kind() == reflect.Struct && !isSpan(f.Type):
			out = append(out, scalarFields(f.Type, prefix+name+".", idx, max(depth-1, 0))...)
		case depth > 0, f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			// an array of tables: see tableArrays
		default:
			out = append(out, field{key: prefix + name, index: idx})
		}
	}
	return out
}

func fieldsByKey(fields []field) map[string]field {
	m := make(map[string]field, len(fields))
	for _, f := range fields {
		m[f.key] = f
	}
	return m
}

// decodeRaw decodes the parsed file over the defaults in c. data is the
// file's text, to tell the line of an unknown key.
func decodeRaw(c *Config, raw map[string]any, data string) error {
	known := slices.Collect(maps.Keys(fieldsByKey(sectionFields())))
	known = append(known, slices.Collect(maps.Keys(tableArrays))...)
	d := tableDecoder{schema: fieldsByKey(sectionFields()), tables: tablePaths(), rv: reflect.ValueOf(c).Elem(),
		array: func(key string, val any) (bool, error) {
			dec, ok := tableArrays[key]
			if !ok {
				return false, nil
			}
			return true, dec(c, val, data)
		},
		known: known,
		line:  func(path []string) int { return keyLine(data, path) },
	}
	return errors.Join(d.decode("", nil, raw)...)
}

// tableDecoder walks a decoded TOML table against a schema.
type tableDecoder struct {
	schema map[string]field
	tables map[string]bool                         // nested tables of the schema
	rv     reflect.Value                           // the struct the schema indexes
	array  func(key string, val any) (bool, error) // decodes an array of tables; false when key is none
	keyFmt func(key string) string                 // the key as errors name it; nil = as it is
	known  []string                                // every key of the schema, for "did you mean"
	line   func(path []string) int                 // the line of the key at path, 0 = unknown
}

func (d tableDecoder) decode(prefix string, path []string, table map[string]any) []error {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(table)) {
		key, val := prefix+k, table[k]
		kpath := append(slices.Clip(path), k)
		if f, ok := d.schema[key]; ok {
			if err := setFromTOML(d.rv.FieldByIndex(f.index), val); err != nil {
				errs = append(errs, &KeyError{Key: d.name(key), Err: err})
			}
			continue
		}
		if d.array != nil {
			if ok, err := d.array(key, val); ok {
				errs = append(errs, err)
				continue
			}
		}
		if sub, ok := val.(map[string]any); ok && d.tables[key] {
			errs = append(errs, d.decode(key+".", kpath, sub)...)
			continue
		}
		errs = append(errs, d.unknown(key, kpath, val)...)
	}
	return errs
}

// name is key as errors name it.
func (d tableDecoder) name(key string) string {
	if d.keyFmt != nil {
		return d.keyFmt(key)
	}
	return key
}

// unknown names every leaf under an unknown key, so a misspelt table
// ([imap.tsl]) shows the keys the user meant to set, each with its line
// and the closest key of the schema.
func (d tableDecoder) unknown(key string, path []string, val any) []error {
	table, ok := val.(map[string]any)
	if !ok || len(table) == 0 {
		e := &KeyError{Key: d.name(key), Err: ErrUnknownKey}
		if d.line != nil {
			e.Line = d.line(path)
		}
		if near := closest(key, d.known); near != "" {
			e.Suggest = d.name(near)
		}
		return []error{e}
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(table)) {
		errs = append(errs, d.unknown(key+"."+k, append(slices.Clip(path), k), table[k])...)
	}
	return errs
}

// decodeTables decodes an array of tables ([[rules]], or an inline array
// of tables) whose elements have the scalar keys fields (and the tables
// those name, [mailboxes.signature]). Each element starts from def (nil:
// the zero value).
func decodeTables[T any](key string, val any, fields []field, data string, def func() T) ([]T, error) {
	var tables []map[string]any
	switch v := val.(type) {
	case []map[string]any:
		tables = v
	case []any:
		for i, e := range v {
			t, ok := e.(map[string]any)
			if !ok {
				return nil, &KeyError{Key: fmt.Sprintf("%s[%d]", key, i), Err: fmt.Errorf("want a table ([[%s]]), got %s", key, tomlType(e))}
			}
			tables = append(tables, t)
		}
	default:
		return nil, &KeyError{Key: key, Err: fmt.Errorf("want an array of tables ([[%s]]), got %s", key, tomlType(val))}
	}
	schema := fieldsByKey(fields)
	known := slices.Collect(maps.Keys(schema))
	// The parser keeps one position per key of an array of tables, the
	// last one's: a key's line is told only when one element has it.
	uses := map[string]int{}
	for _, t := range tables {
		for k := range t {
			uses[k]++
		}
	}
	arrayPath := append(strings.Split(key, "."), "[]")
	line := func(path []string) int {
		if uses[path[0]] != 1 {
			return 0
		}
		return keyLine(data, append(slices.Clip(arrayPath), path...))
	}
	out := make([]T, len(tables))
	var errs []error
	for i, t := range tables {
		if def != nil {
			out[i] = def()
		}
		prefix := fmt.Sprintf("%s[%d].", key, i)
		d := tableDecoder{schema: schema, tables: tablesOf(fields), rv: reflect.ValueOf(&out[i]).Elem(), keyFmt: func(k string) string { return prefix + k },
			known: known, line: line}
		errs = append(errs, d.decode("", nil, t)...)
	}
	return out, errors.Join(errs...)
}

// keyProbe fails to decode, wherever it stands: see keyLine.
type keyProbe struct{}

const probeMessage = "madoguchi: key probe"

func (keyProbe) UnmarshalTOML(any) error { return errors.New(probeMessage) }

// keyLine is the line of the key at path in the TOML text data, 0 when it
// cannot be told; "[]" in path stands for the elements of an array of
// tables. BurntSushi/toml keeps the positions of keys to itself, but
// reports the position of the key where a decode fails: decoding into a
// type that has only that key, of a type that always fails, finds it.
func keyLine(data string, path []string) int {
	t := reflect.TypeFor[keyProbe]()
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == "[]" {
			t = reflect.SliceOf(t)
			continue
		}
		t = reflect.StructOf([]reflect.StructField{{Name: "K", Type: t, Tag: reflect.StructTag("toml:" + strconv.Quote(path[i]))}})
	}
	_, err := toml.Decode(data, reflect.New(t).Interface())
	var pe toml.ParseError
	if !errors.As(err, &pe) || pe.Message != probeMessage {
		return 0
	}
	return pe.Position.Line
}

// closest is the key of known nearest to key, "" when none is near
// enough to be what was meant.
func closest(key string, known []string) string { return didyoumean.Closest(key, known) }

// setFromTOML stores a decoded TOML value in v, checking its type.
func setFromTOML(v reflect.Value, val any) error {
	if v.Type() == secretType {
		if _, ok := val.(string); !ok {
			return errors.New("want a string") // never echo what may be a password
		}
	}
	if isSpan(v.Type()) {
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("want a duration string such as \"30s\", got %s", tomlType(val))
		}
		return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
	}
	switch v.Kind() {
	case reflect.String:
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("want a string, got %s", tomlType(val))
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := val.(bool)
		if !ok {
			return fmt.Errorf("want true or false, got %s", tomlType(val))
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, ok := val.(int64)
		if !ok {
			return fmt.Errorf("want an integer, got %s", tomlType(val))
		}
		if v.OverflowInt(n) {
			return fmt.Errorf("%d is out of range", n)
		}
		v.SetInt(n)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported field type %s", v.Type()) // a schema bug, not user input
		}
		arr, ok := val.([]any)
		if !ok {
			return fmt.Errorf("want an array of strings such as [\"a\", \"b\"], got %s", tomlType(val))
		}
		strs := make([]string, len(arr))
		for i, e := range arr {
			if strs[i], ok = e.(string); !ok {
				if v.Type().Elem() == secretType {
					return fmt.Errorf("item %d: want a string", i) // never echo what may be a secret
				}
				return fmt.Errorf("item %d: want a string, got %s", i, tomlType(e))
			}
		}
		setStrings(v, strs)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported field type %s", v.Type()) // a schema bug, not user input
		}
		table, ok := val.(map[string]any)
		if !ok {
			return fmt.Errorf("want a table of strings such as { critical = \"P1\" }, got %s", tomlType(val))
		}
		m := reflect.MakeMapWithSize(v.Type(), len(table))
		for k, e := range table {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("%s: want a string, got %s", k, tomlType(e))
			}
			m.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(s))
		}
		v.Set(m)
	case reflect.Float64:
		switch n := val.(type) {
		case float64:
			v.SetFloat(n)
		case int64: // "auto_send_confidence = 1" means 1.0
			v.SetFloat(float64(n))
		default:
			return fmt.Errorf("want a number, got %s", tomlType(val))
		}
	default:
		return fmt.Errorf("unsupported field type %s", v.Type()) // a schema bug, not user input
	}
	return nil
}

func tomlType(val any) string {
	switch v := val.(type) {
	case string:
		return fmt.Sprintf("a string (%q)", v)
	case int64:
		return fmt.Sprintf("an integer (%d)", v)
	case float64:
		return fmt.Sprintf("a float (%g)", v)
	case bool:
		return fmt.Sprintf("a boolean (%t)", v)
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "an array"
	}
	return fmt.Sprintf("a %T", val)
}

// EnvPrefix starts every environment override: MADOGUCHI_<SECTION>_<KEY>.
const EnvPrefix = "MADOGUCHI_"

// envName is the environment variable that overrides key ("imap.password"
// → MADOGUCHI_IMAP_PASSWORD).
func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// OtherEnv are the MADOGUCHI_* variables that name no key but mean
// something all the same: the configuration file, and the benchmarks'
// settings (make bench, make bench-faq).
var OtherEnv = []string{EnvConfig, "MADOGUCHI_BENCH_N", "MADOGUCHI_FAQBENCH_DIR"}

// UnknownEnv warns of every MADOGUCHI_* variable in environ ("NAME=value"
// pairs, as os.Environ gives them) that names no key of a section nor one
// of [OtherEnv]: a misspelt one would otherwise be ignored in silence. A
// warning names the closest variable that does mean something.
func UnknownEnv(environ []string) []string {
	known := slices.Clone(OtherEnv)
	for _, f := range sectionFields() {
		known = append(known, envName(f.key))
	}
	var warnings []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || slices.Contains(known, name) {
			continue
		}
		w := fmt.Sprintf("$%s names no configuration key and is ignored", name)
		key := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, EnvPrefix), "_", "."))
		if array := arrayOf(key); array != "" {
			w += fmt.Sprintf(" (%s come only from the file)", array)
		} else if near := closest(name, known); near != "" {
			w += fmt.Sprintf("; did you mean $%s?", near)
		}
		warnings = append(warnings, w)
	}
	slices.Sort(warnings)
	return warnings
}

// arrayOf is the array of tables key is in ("mailboxes" for
// "mailboxes.requests.password"), "" for none.
func arrayOf(key string) string {
	for array := range tableArrays {
		if key == array || strings.HasPrefix(key, array+".") {
			return array
		}
	}
	return ""
}

// applyEnv overrides any scalar key of a section from the environment. An
// empty variable counts as unset: env (os.Getenv) cannot tell them apart.
func applyEnv(c *Config, env func(string) string) error {
	rv := reflect.ValueOf(c).Elem()
	var errs []error
	for _, f := range sectionFields() {
		name := envName(f.key)
		s := env(name)
		if s == "" {
			continue
		}
		if err := setFromString(rv.FieldByIndex(f.index), s); err != nil {
			errs = append(errs, &KeyError{Key: f.key, Env: name, Err: err})
		}
	}
	return errors.Join(errs...)
}

// setFromString parses an environment value for v's type.
func setFromString(v reflect.Value, s string) error {
	if isSpan(v.Type()) {
		return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false: %w", s, err)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not an integer: %w", s, err)
		}
		v.SetInt(n)
	case reflect.Slice:
		// A list from the environment: comma-separated ("mon,tue,wed").
		var strs []string
		for _, e := range strings.Split(s, ",") {
			if e = strings.TrimSpace(e); e != "" {
				strs = append(strs, e)
			}
		}
		setStrings(v, strs)
	case reflect.Map:
		// A table from the environment: "critical=P1,warning=P3".
		m := reflect.MakeMap(v.Type())
		for _, e := range strings.Split(s, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(e), "=")
			if !ok || strings.TrimSpace(k) == "" {
				return fmt.Errorf("%q is not a list of name=value pairs such as critical=P1,warning=P3", s)
			}
			m.SetMapIndex(reflect.ValueOf(strings.TrimSpace(k)), reflect.ValueOf(strings.TrimSpace(val)))
		}
		v.Set(m)
	case reflect.Float64:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number: %w", s, err)
		}
		v.SetFloat(n)
	default:
		return fmt.Errorf("unsupported field type %s", v.Type())
	}
	return nil
}

// setStrings stores a list of any string type ([]string, []Secret); an
// empty one is nil, as in [Default].
func setStrings(v reflect.Value, strs []string) {
	if len(strs) == 0 {
		v.SetZero()
		return
	}
	list := reflect.MakeSlice(v.Type(), len(strs), len(strs))
	for i, s := range strs {
		list.Index(i).SetString(s)
	}
	v.Set(list)
}
