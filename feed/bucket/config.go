package bucket

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config says which bucket and prefix a [Store] publishes to, where the
// S3 endpoint is and which key signs the requests. Make one with
// [ConfigFromEnv] the way the AWS tools do, or fill it in and call
// [Config.Validate].
type Config struct {
	// Endpoint is the S3 endpoint's base URL, "http://127.0.0.1:8333" or
	// "https://s3.example.net"; a path is not allowed. Empty means Amazon
	// S3 itself. Buckets of a custom endpoint are addressed by path
	// ("endpoint/bucket/key"); Amazon's by host name.
	Endpoint string
	// Region signs the requests. Empty means the client asks the bucket
	// for its region once (one extra request).
	Region string
	// AccessKeyID and SecretAccessKey sign the requests (AWS Signature
	// Version 4), with SessionToken for temporary credentials. Both empty
	// means anonymous requests, which a bucket that takes writes refuses.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	// Bucket and Prefix are the target: objects are written as
	// "Prefix/key", or "key" when Prefix is empty. Prefix has no leading
	// or trailing slash.
	Bucket string
	Prefix string

	// Attempts is how many times a request that failed for a reason worth
	// retrying (network, 5xx, throttling) is sent in all; zero means 3.
	// Callers that retry a whole publish keep it small.
	Attempts int
	// Timeout bounds connecting and waiting for a response's headers;
	// zero means 30 seconds. Each call is also bounded by its context.
	Timeout time.Duration
	// Now is the clock leases are written and judged with; nil means
	// time.Now.
	Now func() time.Time
}

// Sources of configuration, for messages that tell the operator what to check.
const (
	envEndpointS3 = "AWS_ENDPOINT_URL_S3"
	envEndpoint   = "AWS_ENDPOINT_URL"
	envKeyID      = "AWS_ACCESS_KEY_ID"
	envSecret     = "AWS_SECRET_ACCESS_KEY"
)

// ParseTarget splits a publish target "s3://BUCKET[/PREFIX]" into the bucket
// and the prefix (without leading or trailing slashes). The bucket name
// follows S3's rules (3 to 63 lowercase letters, digits, dots and hyphens);
// the prefix may not contain empty, "." or ".." segments.
func ParseTarget(target string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(target, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%w: %q: want s3://BUCKET[/PREFIX]", ErrConfig, target)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	prefix = strings.TrimSuffix(prefix, "/")
	if err := checkBucketName(bucket); err != nil {
		return "", "", fmt.Errorf("%w: %q: %v", ErrConfig, target, err)
	}
	if prefix != "" {
		for seg := range strings.SplitSeq(prefix, "/") {
			if seg == "" || seg == "." || seg == ".." {
				return "", "", fmt.Errorf("%w: %q: the prefix has an empty, \".\" or \"..\" segment", ErrConfig, target)
			}
		}
	}
	return bucket, prefix, nil
}

func checkBucketName(name string) error {
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("bucket name %q must have 3 to 63 characters", name)
	}
	for i, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (c == '-' || c == '.') && i > 0 && i < len(name)-1
		if !ok {
			return fmt.Errorf("bucket name %q: only lowercase letters, digits, and inner dots and hyphens are allowed", name)
		}
	}
	return nil
}

// ConfigFromEnv makes the configuration for target ("s3://BUCKET[/PREFIX]")
// from the environment the way the AWS command-line tools read it, with
// getenv (os.Getenv in production) as the environment:
//
//   - the endpoint from AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else the
//     profile's endpoint_url (none of them when
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true), else Amazon S3;
//   - the key from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//     AWS_SESSION_TOKEN, else from the profile;
//   - the region from AWS_REGION, else AWS_DEFAULT_REGION, else the profile.
//
// The profile is AWS_PROFILE (else AWS_DEFAULT_PROFILE, else "default"),
// read from the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
// ~/.aws/credentials) and the config file (AWS_CONFIG_FILE, else
// ~/.aws/config); missing files are fine unless a profile was named. Only
// static keys are read from profiles: no SSO, role assumption or
// credential_process.
func ConfigFromEnv(target string, getenv func(string) string) (Config, error) {
	var c Config
	var err error
	if c.Bucket, c.Prefix, err = ParseTarget(target); err != nil {
		return Config{}, err
	}
	prof, err := loadProfile(getenv)
	if err != nil {
		return Config{}, err
	}
	first := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	if !strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		c.Endpoint = first(getenv(envEndpointS3), getenv(envEndpoint), prof["endpoint_url"])
	}
	c.Region = first(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), prof["region"])
	if id := getenv(envKeyID); id != "" {
		c.AccessKeyID, c.SecretAccessKey, c.SessionToken = id, getenv(envSecret), getenv("AWS_SESSION_TOKEN")
	} else {
		c.AccessKeyID, c.SecretAccessKey, c.SessionToken = prof["aws_access_key_id"], prof["aws_secret_access_key"], prof["aws_session_token"]
	}
	return c, c.Validate()
}

// Validate reports the first problem of the configuration, wrapping
// [ErrConfig] and naming the field.
func (c Config) Validate() error {
	if err := checkBucketName(c.Bucket); err != nil {
		return fmt.Errorf("%w: Bucket: %v", ErrConfig, err)
	}
	if c.Prefix != "" {
		if _, _, err := ParseTarget("s3://" + c.Bucket + "/" + c.Prefix); err != nil || strings.HasPrefix(c.Prefix, "/") || strings.HasSuffix(c.Prefix, "/") {
			return fmt.Errorf("%w: Prefix %q: want segments separated by single slashes, none empty, \".\" or \"..\"", ErrConfig, c.Prefix)
		}
	}
	if c.Endpoint != "" {
		if _, err := endpointURL(c.Endpoint); err != nil {
			return err
		}
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		return fmt.Errorf("%w: AccessKeyID and SecretAccessKey: set both (%s, %s) or neither", ErrConfig, envKeyID, envSecret)
	}
	if c.Attempts < 0 || c.Timeout < 0 {
		return fmt.Errorf("%w: Attempts and Timeout may not be negative", ErrConfig)
	}
	return nil
}

// endpointURL checks an endpoint: http or https, a host, no path, query or
// user.
func endpointURL(endpoint string) (*url.URL, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: Endpoint %q: want http(s)://HOST[:PORT] with no path (set by %s or %s)",
			ErrConfig, endpoint, envEndpointS3, envEndpoint)
	}
	return u, nil
}

// loadProfile reads the named (or default) profile from the shared
// credentials and config files, credentials file first. It returns the
// profile's keys, lowercased; an error only when a file cannot be read for
// another reason than not existing, or a profile named by the environment is
// in neither file.
func loadProfile(getenv func(string) string) (map[string]string, error) {
	name := getenv("AWS_PROFILE")
	if name == "" {
		name = getenv("AWS_DEFAULT_PROFILE")
	}
	named := name != ""
	if !named {
		name = "default"
	}
	home := getenv("HOME")
	file := func(env, def string) string {
		if f := getenv(env); f != "" {
			if rest, ok := strings.CutPrefix(f, "~/"); ok && home != "" {
				return filepath.Join(home, rest)
			}
			return f
		}
		if home == "" {
			return ""
		}
		return filepath.Join(home, ".aws", def)
	}
	creds, config := file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), file("AWS_CONFIG_FILE", "config")
	prof := map[string]string{}
	found := false
	// The config file names its sections "profile NAME", except "default".
	configSection := "profile " + name
	if name == "default" {
		configSection = "default"
	}
	for _, f := range []struct{ path, section string }{{creds, name}, {config, configSection}} {
		if f.path == "" {
			continue
		}
		data, err := os.ReadFile(f.path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: read AWS profile file: %v", ErrConfig, err)
		}
		keys, ok := iniSection(data, f.section)
		if !ok && f.section == "default" && f.path == config {
			keys, ok = iniSection(data, "profile default")
		}
		if !ok {
			continue
		}
		found = true
		for k, v := range keys {
			if _, set := prof[k]; !set { // the credentials file wins
				prof[k] = v
			}
		}
	}
	if named && !found {
		return nil, fmt.Errorf("%w: AWS profile %q is in neither %s nor %s", ErrConfig, name, creds, config)
	}
	return prof, nil
}

// iniSection returns the "key = value" pairs of one "[section]" of an INI
// file as the AWS tools write it: keys lowercased, values trimmed, "#" and
// ";" comment lines skipped, indented lines (nested settings) ignored.
func iniSection(data []byte, section string) (map[string]string, bool) {
	keys := map[string]string{}
	in, found := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			name := strings.Join(strings.Fields(line[1:len(line)-1]), " ")
			in = name == section
			found = found || in
		case in && raw[0] != ' ' && raw[0] != '\t':
			k, v, ok := strings.Cut(line, "=")
			if ok {
				keys[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
	}
	return keys, found
}
