package bucket

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		target, bucket, prefix string
		ok                     bool
	}{
		{"s3://site", "site", "", true},
		{"s3://site/", "site", "", true},
		{"s3://site/www", "site", "www", true},
		{"s3://site/www/news/", "site", "www/news", true},
		{"s3://my.site-1/a b/é", "my.site-1", "a b/é", true},
		{"site/www", "", "", false},
		{"https://site/www", "", "", false},
		{"s3://", "", "", false},
		{"s3://ab", "", "", false},
		{"s3://Site", "", "", false},
		{"s3://-site", "", "", false},
		{"s3://site_1", "", "", false},
		{"s3://site//www", "", "", false},
		{"s3://site/www/../x", "", "", false},
		{"s3://site/./x", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			b, p, err := ParseTarget(tc.target)
			if tc.ok {
				if err != nil || b != tc.bucket || p != tc.prefix {
					t.Errorf("ParseTarget(%q) = %q, %q, %v; want %q, %q, nil", tc.target, b, p, err, tc.bucket, tc.prefix)
				}
				return
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("ParseTarget(%q) = %q, %q, %v; want an ErrConfig", tc.target, b, p, err)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	home := t.TempDir()
	write := func(rel, s string) string {
		p := filepath.Join(home, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write(".aws/credentials", `
[default]
aws_access_key_id = DEFAULTID
aws_secret_access_key = defaultsecret

# a comment
[publisher]
aws_access_key_id=PUBID
aws_secret_access_key=pubsecret
aws_session_token = pubtoken
`)
	write(".aws/config", `
[default]
region = eu-west-3

[profile publisher]
region = auto
endpoint_url = https://objects.example.net
s3 =
  addressing_style = path
`)
	other := write("elsewhere/creds", "[default]\naws_access_key_id = OTHERID\naws_secret_access_key = othersecret\n")

	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"environment only",
			map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:8333", "AWS_ACCESS_KEY_ID": "ID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1"},
			Config{Endpoint: "http://127.0.0.1:8333", AccessKeyID: "ID", SecretAccessKey: "secret", Region: "us-east-1"}},
		{"the S3 endpoint wins over the general one",
			map[string]string{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1", "AWS_ENDPOINT_URL": "http://127.0.0.1:2", "AWS_ACCESS_KEY_ID": "ID", "AWS_SECRET_ACCESS_KEY": "s"},
			Config{Endpoint: "http://127.0.0.1:1", AccessKeyID: "ID", SecretAccessKey: "s"}},
		{"default profile from the files",
			map[string]string{"HOME": home},
			Config{AccessKeyID: "DEFAULTID", SecretAccessKey: "defaultsecret", Region: "eu-west-3"}},
		{"named profile: keys, token, region and endpoint",
			map[string]string{"HOME": home, "AWS_PROFILE": "publisher"},
			Config{Endpoint: "https://objects.example.net", AccessKeyID: "PUBID", SecretAccessKey: "pubsecret", SessionToken: "pubtoken", Region: "auto"}},
		{"environment keys and region win over the profile",
			map[string]string{"HOME": home, "AWS_PROFILE": "publisher", "AWS_ACCESS_KEY_ID": "ENVID", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_DEFAULT_REGION": "us-west-2"},
			Config{Endpoint: "https://objects.example.net", AccessKeyID: "ENVID", SecretAccessKey: "envsecret", Region: "us-west-2"}},
		{"configured endpoints ignored",
			map[string]string{"HOME": home, "AWS_PROFILE": "publisher", "AWS_ENDPOINT_URL": "http://127.0.0.1:2", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
			Config{AccessKeyID: "PUBID", SecretAccessKey: "pubsecret", SessionToken: "pubtoken", Region: "auto"}},
		{"credentials file elsewhere",
			map[string]string{"HOME": home, "AWS_SHARED_CREDENTIALS_FILE": other},
			Config{AccessKeyID: "OTHERID", SecretAccessKey: "othersecret", Region: "eu-west-3"}},
		{"no files, no keys: anonymous",
			map[string]string{},
			Config{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Without HOME in the case, there are no profile files.
			env := map[string]string{"HOME": filepath.Join(home, "nowhere")}
			maps.Copy(env, tc.env)
			got, err := ConfigFromEnv("s3://site/www", func(k string) string { return env[k] })
			tc.want.Bucket, tc.want.Prefix = "site", "www"
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ConfigFromEnv = %+v, %v;\nwant %+v", got, err, tc.want)
			}
		})
	}
}

func TestConfigFromEnvErrors(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		name   string
		target string
		env    map[string]string
	}{
		{"not a target", "site/www", nil},
		{"endpoint with a path", "s3://site", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:8333/s3"}},
		{"endpoint without scheme", "s3://site", map[string]string{"AWS_ENDPOINT_URL": "127.0.0.1:8333"}},
		{"key without secret", "s3://site", map[string]string{"AWS_ACCESS_KEY_ID": "ID"}},
		{"profile in no file", "s3://site", map[string]string{"AWS_PROFILE": "nosuch"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"HOME": home}
			maps.Copy(env, tc.env)
			c, err := ConfigFromEnv(tc.target, func(k string) string { return env[k] })
			if !errors.Is(err, ErrConfig) {
				t.Errorf("ConfigFromEnv(%q) = %+v, %v; want an ErrConfig", tc.target, c, err)
			}
		})
	}
}
