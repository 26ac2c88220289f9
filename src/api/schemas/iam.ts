// TypeBox schemas of the Keystone v3 subset: password token requests and responses, project lists.
import { Type, type Static } from '@sinclair/typebox';

const DomainRefSchema = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) }, { additionalProperties: false });

export const LoginBodySchema = Type.Object(
  {
    auth: Type.Object(
      {
        identity: Type.Object(
          {
            methods: Type.Array(Type.String(), { minItems: 1, maxItems: 4 }),
            password: Type.Object(
              {
                user: Type.Object(
                  {
                    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
                    id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
                    password: Type.String({ minLength: 1, maxLength: 1024 }),
                    // vpcdns has no domains (accounts): a user is found in the scoped project; the domain is accepted and not used.
                    domain: Type.Optional(DomainRefSchema),
                  },
                  { additionalProperties: false },
                ),
              },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
        scope: Type.Object(
          {
            project: Type.Object(
              { id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), domain: Type.Optional(DomainRefSchema) },
              { additionalProperties: false },
            ),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBodySchema>;

const DomainSchema = Type.Object({ id: Type.String(), name: Type.String() });
const RoleSchema = Type.Object({ id: Type.String(), name: Type.String() });

export const TokenEnvelopeSchema = Type.Object({
  token: Type.Object({
    methods: Type.Array(Type.String()),
    expires_at: Type.String({ description: 'ISO 8601 UTC with microseconds, e.g. 2025-01-02T12:00:00.000000Z' }),
    issued_at: Type.String(),
    user: Type.Object({ id: Type.String(), name: Type.String(), domain: DomainSchema, password_expires_at: Type.String() }),
    project: Type.Object({ id: Type.String(), name: Type.String(), domain: DomainSchema }),
    roles: Type.Array(RoleSchema),
    catalog: Type.Array(Type.Object({})),
  }),
});

export const SubjectTokenHeadersSchema = Type.Object({ 'x-subject-token': Type.Optional(Type.String()) });

export const ListProjectsQuerySchema = Type.Object(
  // Keystone's other filters (domain_id, enabled, parent_id, page, per_page) are accepted and have nothing to select.
  { name: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

const ProjectSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  domain_id: Type.String(),
  parent_id: Type.String(),
  enabled: Type.Boolean(),
  is_domain: Type.Boolean(),
  links: Type.Object({ self: Type.String() }),
});

export const ListProjectsResponseSchema = Type.Object({
  projects: Type.Array(ProjectSchema),
  links: Type.Object({ self: Type.String(), previous: Type.Null(), next: Type.Null() }),
});
