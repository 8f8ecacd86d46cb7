import { expect } from 'chai';
import { redactedText } from '../../src/log/logger.js';
import { captureLog } from '../support/http.js';

describe('logger', () => {
  it('writes JSON lines with an ISO time and the level name', () => {
    const { log, lines } = captureLog('info');
    log.info({ answer: 42 }, 'hello');
    log.debug('below the level');
    const [line, ...rest] = lines();
    expect(rest).to.have.length(0);
    expect(line).to.include({ level: 'info', msg: 'hello', answer: 42 });
    expect(new Date(line!.time).toISOString()).to.equal(line!.time);
  });

  it('redacts secrets by field name wherever a caller puts them, up to four levels deep', () => {
    const { log, text, lines } = captureLog();
    const secrets = [
      'pw-top',
      'pw-nested',
      'master-pw',
      'rds-pw',
      'aws-secret',
      'uri-secret',
      'jdbc-secret',
      'cred-user',
      'derived-secret',
      'auth-header',
      'deep-pw',
    ];
    log.info(
      {
        password: 'pw-top',
        request: { password: 'pw-nested', headers: { authorization: 'auth-header' } },
        instance: { masterPassword: 'master-pw', MasterUserPassword: 'rds-pw' },
        aws: { credentials: { accessKeyId: 'AKIA', secretAccessKey: 'aws-secret' } },
        binding: { credentials: { username: 'cred-user', uri: 'uri-secret', jdbcUrl: 'jdbc-secret' } },
        broker: { derivationSecrets: [{ id: 's1', value: 'derived-secret' }] },
        a: { b: { c: { password: 'deep-pw' } } },
        harmless: 'visible',
      },
      'everything at once',
    );
    const written = text();
    for (const secret of secrets) expect(written, secret).not.to.contain(secret);
    const [line] = lines();
    expect(line!.harmless).to.equal('visible');
    expect(line!.broker.derivationSecrets[0].id).to.equal('s1');
    expect(line!.instance.masterPassword).to.equal(redactedText);
  });

  it('redacts in child logger bindings too', () => {
    const { log, text } = captureLog();
    log.child({ credentials: { password: 'bound-secret' } }).info('child line');
    expect(text()).not.to.contain('bound-secret');
    expect(text()).to.contain('child line');
  });
});
