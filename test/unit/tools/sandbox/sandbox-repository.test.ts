import { OperationOutcomeError, parseSearchRequest } from '@medplum/core';
import type { DocumentReference, Observation, Patient } from '@medplum/fhirtypes';
import { ensureFhirSearchDefinitions } from '../../../../src/shared/fhir-definitions';
import { SandboxRepository } from '../../../../src/tools/sandbox/sandbox-repository';

beforeAll(() => {
  ensureFhirSearchDefinitions();
});

const patient: Patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'urn:mrn', value: 'M1' }],
  gender: 'female',
};

function observation(subject: string, status = 'final'): Observation {
  return {
    resourceType: 'Observation',
    status: status as Observation['status'],
    code: { text: 'ER door' },
    subject: { reference: subject },
    valueDateTime: '2026-11-25T19:02:40Z',
  };
}

async function rejection(promise: Promise<unknown>): Promise<{ status: string; text: string; expression?: string[] }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof OperationOutcomeError)) {
    throw new Error(`expected an OperationOutcomeError, got ${String(err)}`);
  }
  const issue = err.outcome.issue[0];
  return { status: issue.code, text: issue.details?.text ?? '', expression: issue.expression };
}

describe('SandboxRepository validation', () => {
  it('stores a valid resource', async () => {
    const repo = new SandboxRepository();
    const created = await repo.createResource(patient);
    expect((await repo.readResource<Patient>('Patient', created.id)).gender).toBe('female');
  });

  it('rejects structural errors with the element path', async () => {
    const repo = new SandboxRepository();
    const outcome = await rejection(
      repo.createResource({ resourceType: 'Observation', status: 'final' } as Observation),
    );
    expect(outcome.expression).toEqual(['Observation.code']);
    expect(repo.countResources()).toEqual({});
  });

  it.each([
    [
      'DocumentReference.status',
      {
        resourceType: 'DocumentReference',
        status: 'bogus',
        content: [{ attachment: { contentType: 'text/plain', data: 'aGk=' } }],
      },
    ],
    [
      'DocumentReference.docStatus',
      {
        resourceType: 'DocumentReference',
        status: 'current',
        docStatus: 'done',
        content: [{ attachment: { contentType: 'text/plain', data: 'aGk=' } }],
      },
    ],
    ['Patient.gender', { resourceType: 'Patient', gender: 'F' }],
  ])('rejects a code outside the required value set of %s', async (path, resource) => {
    const repo = new SandboxRepository();
    const outcome = await rejection(repo.createResource(resource as DocumentReference));
    expect(outcome.expression).toEqual([path]);
  });

  it('rejects a bogus Observation.status (validateResource alone lets it through)', async () => {
    const repo = new SandboxRepository();
    const subject = await repo.createResource(patient);
    const outcome = await rejection(repo.createResource(observation(`Patient/${subject.id}`, 'bogus')));
    expect(outcome.expression).toEqual(['Observation.status']);
  });

  it('rejects inline data without a contentType (att-1) and empty strings', async () => {
    const repo = new SandboxRepository();
    const noType = await rejection(
      repo.createResource({
        resourceType: 'DocumentReference',
        status: 'current',
        content: [{ attachment: { data: 'aGk=' } }],
      }),
    );
    expect(noType.text).toContain('att-1');
    const empty = await rejection(repo.createResource({ resourceType: 'Patient', name: [{ family: '' }] }));
    expect(empty.expression).toEqual(['Patient.name[0].family']);
  });

  it('validates updates too', async () => {
    const repo = new SandboxRepository();
    const created = await repo.createResource(patient);
    await rejection(repo.updateResource({ ...created, gender: 'bogus' as Patient['gender'] }));
    expect((await repo.readResource<Patient>('Patient', created.id)).gender).toBe('female');
  });
});

describe('SandboxRepository referential integrity', () => {
  it('rejects a reference to a missing resource and writes nothing', async () => {
    const repo = new SandboxRepository();
    const outcome = await rejection(repo.createResource(observation('Patient/nope')));
    expect(outcome.text).toContain('Patient/nope');
    expect(outcome.expression).toEqual(['Observation.subject']);
    expect(repo.countResources()).toEqual({});
  });

  it('accepts references to existing resources, contained ones and absolute URLs', async () => {
    const repo = new SandboxRepository();
    const subject = await repo.createResource(patient);
    const obs = observation(`Patient/${subject.id}`);
    obs.performer = [{ reference: 'https://other.example/fhir/Practitioner/1' }];
    await expect(repo.createResource(obs)).resolves.toMatchObject({ resourceType: 'Observation' });
  });

  it('rejects an unresolved urn:uuid placeholder', async () => {
    const repo = new SandboxRepository();
    const outcome = await rejection(repo.createResource(observation('urn:uuid:3f2b6a1e-0000-4000-8000-000000000001')));
    expect(outcome.text).toContain('placeholder');
  });

  it('refuses to delete a resource that is still referenced', async () => {
    const repo = new SandboxRepository();
    const subject = await repo.createResource(patient);
    await repo.createResource(observation(`Patient/${subject.id}`));
    const outcome = await rejection(repo.deleteResource('Patient', subject.id));
    expect(outcome.status).toBe('conflict');
    await expect(repo.readResource('Patient', subject.id)).resolves.toMatchObject({
      resourceType: 'Patient',
      id: subject.id,
    });
  });
});

describe('SandboxRepository transactions', () => {
  it('checks references at commit, so entries may reference later ones', async () => {
    const repo = new SandboxRepository();
    await repo.withTransaction(async () => {
      await repo.createResource({ ...observation('Patient/later'), id: 'obs-1' });
      await repo.createResource({ ...patient, id: 'later' });
    });
    expect(repo.countResources()).toEqual({ Observation: 1, Patient: 1 });
  });

  it('undoes every write when the callback throws', async () => {
    const repo = new SandboxRepository();
    const existing = await repo.createResource(patient);
    await expect(
      repo.withTransaction(async () => {
        await repo.createResource(observation(`Patient/${existing.id}`));
        await repo.updateResource({ ...existing, gender: 'male' });
        throw new Error('entry 3 failed');
      }),
    ).rejects.toThrow('entry 3 failed');
    expect(repo.countResources()).toEqual({ Patient: 1 });
    const after = await repo.readResource<Patient>('Patient', existing.id);
    expect(after.gender).toBe('female');
    const history = await repo.readHistory('Patient', existing.id);
    expect(history.entry).toHaveLength(1);
  });

  it('undoes every write when a reference does not resolve at commit', async () => {
    const repo = new SandboxRepository();
    const outcome = await rejection(
      repo.withTransaction(async () => {
        await repo.createResource({ ...patient, id: 'p1' });
        await repo.createResource(observation('Patient/never-created'));
      }),
    );
    expect(outcome.text).toContain('Patient/never-created');
    expect(repo.countResources()).toEqual({});
  });

  it('serialises concurrent writers so that a rollback never discards another caller’s write', async () => {
    const repo = new SandboxRepository();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const failing = repo.withTransaction(async () => {
      await repo.createResource({ ...patient, id: 'in-tx' });
      await gate;
      throw new Error('abort');
    });
    const concurrent = repo.createResource({ ...patient, id: 'outside' });
    // Give an unserialised writer every chance to land inside the transaction.
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await expect(failing).rejects.toThrow('abort');
    await concurrent;
    expect(repo.countResources()).toEqual({ Patient: 1 });
    await expect(repo.readResource('Patient', 'outside')).resolves.toMatchObject({
      resourceType: 'Patient',
      id: 'outside',
    });
  });

  it('makes conditional create race-free', async () => {
    const repo = new SandboxRepository();
    const search = (): ReturnType<typeof parseSearchRequest> =>
      parseSearchRequest('Patient', { identifier: 'urn:mrn|M1' });
    const results = await Promise.all([
      repo.conditionalCreate(patient, search()),
      repo.conditionalCreate(patient, search()),
    ]);
    expect(results[0].resource.id).toBe(results[1].resource.id);
    expect(repo.countResources()).toEqual({ Patient: 1 });
  });

  it('returns history newest first on every call', async () => {
    const repo = new SandboxRepository();
    const created = await repo.createResource(patient);
    await repo.updateResource({ ...created, gender: 'male' });
    for (let i = 0; i < 2; i++) {
      const history = await repo.readHistory<Patient>('Patient', created.id);
      expect(history.entry?.map((e) => e.resource?.gender)).toEqual(['male', 'female']);
    }
  });
});

describe('SandboxRepository inline attachments', () => {
  const document = (data: string): DocumentReference => ({
    resourceType: 'DocumentReference',
    status: 'current',
    content: [{ attachment: { contentType: 'application/pdf', data } }],
  });

  it('accepts base64 data larger than the 1 MiB string limit of the Medplum validator', async () => {
    const repo = new SandboxRepository();
    const data = Buffer.alloc(3 * 1024 * 1024, 0x25).toString('base64');
    const created = await repo.createResource(document(data));
    const read = await repo.readResource<DocumentReference>('DocumentReference', created.id);
    expect(read.content[0].attachment.data).toBe(data);
  });

  it('still rejects large data that is not base64', async () => {
    const repo = new SandboxRepository();
    const outcome = await rejection(repo.createResource(document('!'.repeat(2 * 1024 * 1024))));
    expect(outcome.expression).toEqual(['DocumentReference.content[0].attachment.data']);
  });
});
