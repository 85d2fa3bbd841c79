<?php
// SPDX-License-Identifier: ISC
/*
 * Igconnect.php: a client of igconnect's canonical API for a PHP 8
 * backend.  One file, no Composer package: it needs the curl extension
 * (Debian: php-curl) and nothing else.  It signs the caller's JWT itself
 * (HS256 with the JWT secret igconnect is configured with), so your
 * backend calls igconnect as your user, and no token reaches a browser.
 *
 *   require 'Igconnect.php';
 *   $ig = new Igconnect('https://igconnect.internal', $jwtSecret, $userId);
 *   header('Location: ' . $ig->authorizeUrl()['authUrl']);
 *   // on the redirect URI's page:
 *   $connection = $ig->exchange(Igconnect::callbackParams($_GET));
 *
 * Every method returns the answer's JSON as an array, or throws an
 * IgconnectException (the API's error code, HTTP status, request id).
 */

declare(strict_types=1);

/** An answer of igconnect that is an error, or no answer at all. */
class IgconnectException extends RuntimeException
{
    /**
     * @param string $errorCode the API's error code (invalid_state,
     *     too_early...), or network_error / invalid_response when no
     *     usable answer came
     * @param int $status the HTTP status, 0 when none came; also
     *     getCode(), which PHP keeps an int
     * @param ?string $requestId X-Request-Id: it names the server's log line
     * @param array<string, mixed> $details every other member of the
     *     error body (refreshableAt, candidates and selection, meta_code...)
     * @param ?int $retryAfter Retry-After, in seconds
     */
    public function __construct(
        public readonly string $errorCode,
        public readonly int $status,
        public readonly ?string $requestId = null,
        public readonly string $description = '',
        public readonly array $details = [],
        public readonly ?int $retryAfter = null,
    ) {
        parent::__construct($errorCode . ($description !== '' ?
            ": $description" : '') . ($requestId !== null ?
            " (request $requestId)" : ''), $status);
    }
}

class Igconnect
{
    private string $base;

    /**
     * @param string $baseUrl where igconnect answers
     * @param string $jwtSecret igconnect's JWT_SECRET (32 bytes or more)
     * @param string $userId your user's id: the JWT's sub
     * @param array{issuer?: string, audience?: string, ttl?: int,
     *     timeout?: int, caFile?: string} $options issuer and audience
     *     when igconnect checks them (IGCONNECT_JWT_ISSUER, _AUDIENCE);
     *     ttl of each JWT in seconds (300); timeout of a call in seconds
     *     (65, beyond igconnect's own calls to Meta); a CA bundle
     */
    public function __construct(
        string $baseUrl,
        private readonly string $jwtSecret,
        private readonly string $userId,
        private readonly array $options = [],
    ) {
        if ($baseUrl === '' || $userId === '' || strlen($jwtSecret) < 32) {
            throw new InvalidArgumentException('Igconnect: a base URL, '
                . 'a user id and a JWT secret of at least 32 bytes');
        }
        $this->base = rtrim($baseUrl, '/');
    }

    /**
     * An HS256 JWT as igconnect verifies it: sub, iat, exp, and iss and
     * aud when given.
     */
    public static function jwt(string $secret, string $sub, int $ttl = 300,
        ?string $issuer = null, ?string $audience = null): string
    {
        $now = time();
        $claims = ['sub' => $sub, 'iat' => $now, 'exp' => $now + $ttl];
        if ($issuer !== null) {
            $claims['iss'] = $issuer;
        }
        if ($audience !== null) {
            $claims['aud'] = $audience;
        }
        $head = self::b64url('{"alg":"HS256","typ":"JWT"}') . '.'
            . self::b64url(json_encode($claims, JSON_THROW_ON_ERROR
            | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
        return $head . '.' . self::b64url(hash_hmac('sha256', $head,
            $secret, true));
    }

    /**
     * What a redirect URI received ($_GET), ready for exchange():
     * [code, state], [state, error, ...], or null when it is no login's
     * return.
     *
     * @param array<string, mixed> $query
     * @return ?array<string, string>
     */
    public static function callbackParams(array $query): ?array
    {
        $get = fn (string $k): string => is_string($query[$k] ?? null) ?
            $query[$k] : '';
        if ($get('state') === '') {
            return null;
        }
        if ($get('error') !== '') {
            $p = ['state' => $get('state'), 'error' => $get('error')];
            foreach (['error_reason', 'error_description'] as $k) {
                if ($get($k) !== '') {
                    $p[$k] = $get($k);
                }
            }
            return $p;
        }
        return $get('code') !== '' ?
            ['code' => $get('code'), 'state' => $get('state')] : null;
    }

    /**
     * A login URL with a fresh state (10 minutes, single use).
     *
     * @param ?string $flavor 'instagram' (default) or 'facebook'
     * @return array{authUrl: string, state: string, expiresAt: string}
     */
    public function authorizeUrl(?string $flavor = null,
        ?string $redirectUri = null): array
    {
        $q = array_filter(['flavor' => $flavor, 'redirect_uri' => $redirectUri],
            fn ($v) => $v !== null);
        return $this->call('GET', '/oauth/instagram/url', $q);
    }

    /**
     * Finishes a login: the connection.  Throws access_denied after Deny,
     * and account_choice_required with details candidates and selection
     * when there is a choice: call again with [selection, pageId].
     *
     * @param array<string, string> $params
     */
    public function exchange(array $params): array
    {
        return $this->call('POST', '/oauth/instagram/exchange', [], $params);
    }

    /** The connection; not_found (404) if never connected. */
    public function connection(): array
    {
        return $this->call('GET', '/integrations/instagram');
    }

    /** Disconnects: the connection, status disconnected. */
    public function disconnect(): array
    {
        return $this->call('DELETE', '/integrations/instagram');
    }

    /** A new token now; too_early (409, refreshableAt) under 24 hours. */
    public function refresh(): array
    {
        return $this->call('POST', '/integrations/instagram/refresh');
    }

    /**
     * Merges systemPrompt, toneOfVoice and keyInformation; null removes one.
     *
     * @param array<string, ?string> $settings
     */
    public function updateSettings(array $settings): array
    {
        return $this->call('PATCH', '/integrations/instagram/settings', [],
            $settings);
    }

    /**
     * Publishes now or at publishAt: the job, published when Meta was
     * quick, else follow it with job().
     *
     * @param array<string, mixed> $post imageUrl, caption... (README)
     * @param ?string $idempotencyKey makes a retry safe
     */
    public function publish(array $post, ?string $idempotencyKey = null): array
    {
        $h = $idempotencyKey !== null ? ["Idempotency-Key: $idempotencyKey"] : [];
        return $this->call('POST', '/integrations/instagram/media', [], $post, $h);
    }

    public function job(string $jobId): array
    {
        return $this->call('GET', self::jobPath($jobId));
    }

    /**
     * The caller's jobs, newest first: [jobs, nextCursor?].
     *
     * @param array{status?: string, limit?: int, cursor?: string} $opts
     */
    public function jobs(array $opts = []): array
    {
        return $this->call('GET', '/integrations/instagram/media', $opts);
    }

    /**
     * The connected account's recent webhook entries, newest first:
     * [events => [[id, object, field, receivedAt, status, isTest, entry]]].
     *
     * @param array{limit?: int} $opts 1 to 100 (default 20)
     */
    public function events(array $opts = []): array
    {
        return $this->call('GET', '/integrations/instagram/events', $opts);
    }

    /** Cancels a job until it may have asked Meta to publish (409 after). */
    public function cancelJob(string $jobId): array
    {
        return $this->call('DELETE', self::jobPath($jobId));
    }

    private static function jobPath(string $jobId): string
    {
        return '/integrations/instagram/media/' . rawurlencode($jobId);
    }

    private static function b64url(string $s): string
    {
        return rtrim(strtr(base64_encode($s), '+/', '-_'), '=');
    }

    /**
     * @param array<string, mixed> $query
     * @param ?array<string, mixed> $body sent as JSON
     * @param list<string> $headers
     */
    private function call(string $method, string $path, array $query = [],
        ?array $body = null, array $headers = []): array
    {
        $o = $this->options;
        $url = $this->base . $path . ($query ? '?'
            . http_build_query($query, '', '&', PHP_QUERY_RFC3986) : '');
        $headers[] = 'Accept: application/json';
        $headers[] = 'Authorization: Bearer ' . self::jwt($this->jwtSecret,
            $this->userId, $o['ttl'] ?? 300, $o['issuer'] ?? null,
            $o['audience'] ?? null);
        $got = [];
        $curl = curl_init($url);
        $opts = [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_TIMEOUT => $o['timeout'] ?? 65,
            CURLOPT_CONNECTTIMEOUT => 10,
            CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
            CURLOPT_HEADERFUNCTION => function ($c, string $line) use (&$got): int {
                $kv = explode(':', $line, 2);
                if (count($kv) === 2) {
                    $got[strtolower(trim($kv[0]))] = trim($kv[1]);
                }
                return strlen($line);
            },
        ];
        if ($body !== null) {
            // An empty array is a JSON object here: every body is one.
            $opts[CURLOPT_POSTFIELDS] = json_encode((object)$body,
                JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
            $opts[CURLOPT_HTTPHEADER][] = 'Content-Type: application/json';
        }
        if (isset($o['caFile'])) {
            $opts[CURLOPT_CAINFO] = $o['caFile'];
        }
        curl_setopt_array($curl, $opts);
        $raw = curl_exec($curl);
        $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        $why = curl_error($curl);
        curl_close($curl);
        if ($raw === false) {
            throw new IgconnectException('network_error', 0, null,
                "$method $url: $why");
        }
        $requestId = $got['x-request-id'] ?? null;
        $data = json_decode((string)$raw, true);
        if ($status >= 200 && $status < 300 && is_array($data)) {
            return $data;
        }
        if (!is_array($data) || !is_string($data['error'] ?? null)) {
            throw new IgconnectException('invalid_response', $status,
                $requestId, "$method $path answered $status without a JSON body");
        }
        $code = $data['error'];
        $description = (string)($data['error_description'] ?? '');
        if (is_string($data['request_id'] ?? null)) {
            $requestId = $data['request_id'];
        }
        unset($data['error'], $data['error_description'], $data['request_id']);
        $retry = $got['retry-after'] ?? null;
        throw new IgconnectException($code, $status, $requestId, $description,
            $data, $retry !== null && ctype_digit($retry) ? (int)$retry : null);
    }
}
