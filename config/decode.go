package config

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	sectionFields = sync.OnceValue(func() []field { return scalarFields(reflect.TypeFor[Config](), "", nil, 1) })
	ruleFields    = sync.OnceValue(func() []field { return scalarFields(reflect.TypeFor[Rule](), "", nil, 0) })
	durationType  = reflect.TypeFor[Duration]()
	secretType    = reflect.TypeFor[Secret]()
)

// scalarFields lists the scalar keys of t. depth is how many levels of
// tables to descend first (1 for Config: its fields are the sections).
// Embedded structs (Server) are flattened, as the TOML encoder does.
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
		if depth > 0 {
			if f.Type.Kind() == reflect.Struct {
				out = append(out, scalarFields(f.Type, prefix+name+".", idx, depth-1)...)
			}
			continue // rules: an array of tables, decoded on its own
		}
		out = append(out, field{key: prefix + name, index: idx})
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

// decodeRaw decodes the parsed file over the defaults in c.
func decodeRaw(c *Config, raw map[string]any) error {
	schema := fieldsByKey(sectionFields())
	rv := reflect.ValueOf(c).Elem()
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		val := raw[name]
		if name == "rules" {
			rules, err := decodeRules(val)
			errs = append(errs, err)
			c.Rules = rules
			continue
		}
		table, ok := val.(map[string]any)
		if !ok || !isSection(name) {
			errs = append(errs, unknownKeys(name, val)...)
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(table)) {
			key := name + "." + k
			f, ok := schema[key]
			if !ok {
				errs = append(errs, unknownKeys(key, table[k])...)
				continue
			}
			if err := setFromTOML(rv.FieldByIndex(f.index), table[k]); err != nil {
				errs = append(errs, &KeyError{Key: key, Err: err})
			}
		}
	}
	return errors.Join(errs...)
}

func isSection(name string) bool {
	f, ok := sectionTypes()[name]
	return ok && f.Kind() == reflect.Struct
}

// sectionTypes maps the top-level keys to their Go types.
var sectionTypes = sync.OnceValue(func() map[string]reflect.Type {
	t := reflect.TypeFor[Config]()
	m := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		m[t.Field(i).Tag.Get("toml")] = t.Field(i).Type
	}
	return m
})

// decodeRules decodes [[rules]] (or an inline array of tables).
func decodeRules(val any) ([]Rule, error) {
	var tables []map[string]any
	switch v := val.(type) {
	case []map[string]any:
		tables = v
	case []any:
		for i, e := range v {
			t, ok := e.(map[string]any)
			if !ok {
				return nil, &KeyError{Key: fmt.Sprintf("rules[%d]", i), Err: fmt.Errorf("want a table ([[rules]]), got %s", tomlType(e))}
			}
			tables = append(tables, t)
		}
	default:
		return nil, &KeyError{Key: "rules", Err: fmt.Errorf("want an array of tables ([[rules]]), got %s", tomlType(val))}
	}
	schema := fieldsByKey(ruleFields())
	rules := make([]Rule, len(tables))
	var errs []error
	for i, t := range tables {
		rv := reflect.ValueOf(&rules[i]).Elem()
		for _, k := range slices.Sorted(maps.Keys(t)) {
			key := fmt.Sprintf("rules[%d].%s", i, k)
			f, ok := schema[k]
			if !ok {
				errs = append(errs, unknownKeys(key, t[k])...)
				continue
			}
			if err := setFromTOML(rv.FieldByIndex(f.index), t[k]); err != nil {
				errs = append(errs, &KeyError{Key: key, Err: err})
			}
		}
	}
	return rules, errors.Join(errs...)
}

// unknownKeys names every leaf under an unknown key, so a misspelt table
// ([imap.tsl]) shows the keys the user meant to set.
func unknownKeys(key string, val any) []error {
	table, ok := val.(map[string]any)
	if !ok || len(table) == 0 {
		return []error{&KeyError{Key: key, Err: ErrUnknownKey}}
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(table)) {
		errs = append(errs, unknownKeys(key+"."+k, table[k])...)
	}
	return errs
}

// setFromTOML stores a decoded TOML value in v, checking its type.
func setFromTOML(v reflect.Value, val any) error {
	if v.Type() == secretType {
		if _, ok := val.(string); !ok {
			return errors.New("want a string") // never echo what may be a password
		}
	}
	if v.Type() == durationType {
		s, ok := val.(string)
		if !ok {
			return fmt.Errorf("want a duration string such as \"30s\", got %s", tomlType(val))
		}
		return v.Addr().Interface().(*Duration).UnmarshalText([]byte(s))
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
	if v.Type() == durationType {
		return v.Addr().Interface().(*Duration).UnmarshalText([]byte(s))
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
