import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { type AppAbility, type AppAction, type AppSubjectType, defineAbilitiesFor } from '../access/abilities.js'
import { type Policy, policyVersion } from '../access/policy.js'
import { AppError } from '../http/problem.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's CASL abilities, built once per request from the principal. */
    readonly ability: AppAbility
  }
  interface FastifyInstance {
    readonly policy: Policy
    readonly policyVersion: string
    /** 403 unless the caller may do this (for actions that are not about one case). */
    requireAbility(request: import('fastify').FastifyRequest, action: AppAction, subject: AppSubjectType): void
  }
}

const abilityCache = new WeakMap<object, AppAbility>()
/**
 * Abilities depend only on the policy and the user's id, role and organisation, all in the key: a
 * role or organisation changed in the users table makes a new key at once. Bounded, so a burst of
 * users cannot grow it without limit.
 */
const MAX_CACHED_ABILITIES = 10_000
const abilitiesByUser = new Map<string, AppAbility>()

async function abilitiesPlugin(app: FastifyInstance, options: { policy: Policy }): Promise<void> {
  app.decorate('policy', options.policy)
  app.decorate('policyVersion', policyVersion(options.policy))
  app.decorateRequest('ability', {
    getter(this: import('fastify').FastifyRequest) {
      let ability = abilityCache.get(this)
      if (!ability) {
        const { userId, role, organizationId } = this.principal
        const key = `${userId}:${role}:${organizationId}`
        ability = abilitiesByUser.get(key)
        if (!ability) {
          ability = defineAbilitiesFor(this.principal, options.policy)
          if (abilitiesByUser.size >= MAX_CACHED_ABILITIES) abilitiesByUser.clear()
          abilitiesByUser.set(key, ability)
        }
        abilityCache.set(this, ability)
      }
      return ability
    },
  })
  app.decorate('requireAbility', (request, action, subject) => {
    if (!request.ability.can(action, subject)) {
      throw new AppError('forbidden', 'Your role does not allow this')
    }
  })
}

export const abilities = fp(abilitiesPlugin, { name: 'abilities', fastify: '5.x', dependencies: ['authentication'] })
