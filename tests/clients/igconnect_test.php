<?php
// SPDX-License-Identifier: ISC
// The PHP client (deploy/clients/php/Igconnect.php) against the running
// stack, as a host app's PHP backend would use it.  Run by t_php.sh with
// the stack's environment; prints "ok NAME" / "FAIL NAME" lines and
// "N passed, N failed".

declare(strict_types=1);

require __DIR__ . '/../../deploy/clients/php/Igconnect.php';

$base = getenv('IGCONNECT_BASE_URL');
$secret = getenv('JWT_SECRET');
$options = array_filter(['issuer' => getenv('IGCONNECT_JWT_ISSUER') ?: null,
    'audience' => getenv('IGCONNECT_JWT_AUDIENCE') ?: null]);
$passed = 0;
$failed = 0;

function check(string $name, bool $ok, string $why = ''): void
{
    global $passed, $failed;
    $ok ? $passed++ : $failed++;
    echo ($ok ? 'ok ' : 'FAIL ') . $name . ($ok || $why === '' ? '' : ": $why") . "\n";
}

// A client for a new user of this run.
function client(): Igconnect
{
    global $base, $secret, $options;
    static $users = 0;
    $users++;
    return new Igconnect($base, $secret, 'php-client-' . getmypid() . "-$users",
        $options);
}

// The sandbox's login page answered in the user's place (its knobs): the
// query of where the browser would be sent back to.
function login(string $authUrl, string $knobs): array
{
    $c = curl_init("$authUrl&$knobs");
    curl_setopt_array($c, [CURLOPT_RETURNTRANSFER => true, CURLOPT_HEADER => true]);
    $raw = (string)curl_exec($c);
    curl_close($c);
    preg_match('/^Location: *([^\r\n]*)/mi', $raw, $m);
    parse_str((string)parse_url($m[1] ?? '', PHP_URL_QUERY), $q);
    return $q;
}

function connect(Igconnect $ig, int $account): array
{
    $back = login($ig->authorizeUrl()['authUrl'],
        "fake_account=$account&fake_consent=allow");
    return $ig->exchange(Igconnect::callbackParams($back));
}

// The IgconnectException $f throws, checked for its code, status and a
// request id; null if it threw none.
function throws(string $name, callable $f, string $code, int $status): ?IgconnectException
{
    try {
        $f();
        check($name, false, 'no exception');
        return null;
    } catch (IgconnectException $e) {
        $idOk = $status === 0 || preg_match('/^[0-9a-f]{32}$/', (string)$e->requestId) === 1;
        check($name, $e->errorCode === $code && $e->status === $status
            && $e->getCode() === $status && $idOk, $e->getMessage());
        return $e;
    }
}

function step(string $name, callable $f): void
{
    try {
        $f();
    } catch (Throwable $e) {
        check($name, false, get_class($e) . ': ' . $e->getMessage());
    }
}

step('authorize URL', function () {
    $u = client()->authorizeUrl();
    parse_str((string)parse_url($u['authUrl'], PHP_URL_QUERY), $q);
    check('authorizeUrl: the sandbox login page with the state',
        str_starts_with($u['authUrl'], getenv('IGCONNECT_INSTAGRAM_WWW_URL') . '/oauth/authorize?')
        && ($q['state'] ?? '') === $u['state'] && strtotime($u['expiresAt']) > time());
    $fb = client()->authorizeUrl('facebook');
    check('authorizeUrl: Facebook Login\'s dialog',
        preg_match('#/v[0-9]+\.0/dialog/oauth\?#', $fb['authUrl']) === 1);
});

step('the lifecycle', function () {
    $ig = client();
    $n = 8;
    $c = connect($ig, $n);
    check('connect through the sandbox: fake_user_8', $c['status'] === 'connected'
        && $c['username'] === "fake_user_$n" && $c['name'] === "Fake User $n");
    check('... its counts', [$c['followersCount'], $c['followsCount'], $c['mediaCount']]
        === [1000 + 37 * $n, 100 + $n, 10 + $n]);
    check('... ids are strings', is_string($c['businessAccountId'])
        && $c['businessAccountId'] === '178414572153968' . (11 + $n));
    check('connection() reads it', $ig->connection() === $c);

    $s = $ig->updateSettings(['toneOfVoice' => 'warm', 'keyInformation' => 'Open 9–5']);
    check('updateSettings', $s['settings'] == ['toneOfVoice' => 'warm',
        'keyInformation' => 'Open 9–5']);
    $s = $ig->updateSettings(['toneOfVoice' => null]);
    check('updateSettings: null removes one', $s['settings'] == ['keyInformation' => 'Open 9–5']);
    throws('updateSettings: an unknown key is invalid_request 400',
        fn () => $ig->updateSettings(['tone' => 'x']), 'invalid_request', 400);

    $e = throws('refresh of a new token: too_early 409', fn () => $ig->refresh(),
        'too_early', 409);
    check('... with refreshableAt and Retry-After', $e !== null
        && strtotime($e->details['refreshableAt'] ?? '') > time()
        && $e->retryAfter > 0);

    $job = $ig->publish(['imageUrl' => 'https://cdn.example.com/php.jpg',
        'caption' => 'from PHP'], 'php-' . getmypid());
    check('publish: a job', preg_match('/^[0-9a-f-]{36}$/', $job['jobId']) === 1);
    check('job(): the same job', $ig->job($job['jobId'])['request']['caption'] === 'from PHP');
    check('jobs(): listed', array_column($ig->jobs(['limit' => 5])['jobs'], 'jobId')
        === [$job['jobId']]);
    check('events(): a list', is_array($ig->events(['limit' => 5])['events']));
    $tomorrow = gmdate('Y-m-d\TH:i:s\Z', time() + 86400);
    $later = $ig->publish(['imageUrl' => 'https://cdn.example.com/later.jpg',
        'publishAt' => $tomorrow]);
    check('publish at publishAt: scheduled', $later['status'] === 'scheduled'
        && $later['publishAt'] === $tomorrow);
    check('cancelJob(): canceled', $ig->cancelJob($later['jobId'])['status'] === 'canceled');

    check('disconnect', $ig->disconnect()['status'] === 'disconnected');
    check('... and so it reads', $ig->connection()['status'] === 'disconnected');
});

step('denied and account choice', function () {
    $ig = client();
    $back = login($ig->authorizeUrl()['authUrl'], 'fake_consent=deny');
    $p = Igconnect::callbackParams($back);
    check('callbackParams after Deny', ($p['error'] ?? '') === 'access_denied'
        && ($p['error_reason'] ?? '') === 'user_denied' && !isset($p['code']));
    throws('exchange after Deny: access_denied 400', fn () => $ig->exchange($p),
        'access_denied', 400);

    $ig = client();
    $back = login($ig->authorizeUrl('facebook')['authUrl'],
        'fake_account=3&fake_pages=2&fake_linked=1,2&fake_consent=allow');
    $e = throws('two accounts: account_choice_required 409',
        fn () => $ig->exchange(Igconnect::callbackParams($back)),
        'account_choice_required', 409);
    $cand = $e->details['candidates'] ?? [];
    check('... the candidates', array_column($cand, 'username')
        === ['fake_user_3', 'fake_user_4']);
    $c = $ig->exchange(['selection' => $e->details['selection'] ?? '',
        'pageId' => $cand[0]['pageId'] ?? '']);
    check('... the chosen one linked', $c['username'] === 'fake_user_3'
        && $c['flavor'] === 'facebook');
});

step('errors', function () use ($base, $secret) {
    $e = throws('a user never connected: not_found 404', fn () => client()->connection(),
        'not_found', 404);
    check('... the message names the request id', $e !== null
        && str_contains($e->getMessage(), (string)$e->requestId) && $e->description !== '');
    $other = new Igconnect($base, str_repeat('x', 40), 'php-wrong-secret');
    throws('another secret: unauthorized 401', fn () => $other->connection(),
        'unauthorized', 401);
    throws('a stale state: invalid_state 400',
        fn () => client()->exchange(['code' => 'c', 'state' => 'no-such-state']),
        'invalid_state', 400);
    $down = new Igconnect('http://127.0.0.1:9', $secret, 'php-down');
    throws('nothing listening: network_error', fn () => $down->connection(),
        'network_error', 0);
    try {
        new Igconnect($base, 'short', 'u');
        check('a short JWT secret is refused', false);
    } catch (InvalidArgumentException) {
        check('a short JWT secret is refused', true);
    }
});

step('jwt', function () use ($secret) {
    [$h, $c, $s] = explode('.', Igconnect::jwt($secret, 'u1', 60, 'iss1', 'aud1'));
    $claims = json_decode(base64_decode(strtr($c, '-_', '+/')), true);
    check('jwt: HS256 over sub, iat, exp, iss, aud',
        $s === rtrim(strtr(base64_encode(hash_hmac('sha256', "$h.$c", $secret, true)),
        '+/', '-_'), '=') && $claims['sub'] === 'u1' && $claims['exp'] - $claims['iat'] === 60
        && $claims['iss'] === 'iss1' && $claims['aud'] === 'aud1');
});

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
