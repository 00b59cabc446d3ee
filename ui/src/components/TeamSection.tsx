import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, type Invite, type InviteCreated, type OwnerLink, type Person, type Role, type RoleRights } from "../api";
import { errorText } from "../errors";
import { formatFull } from "../format";
import { useAction, useEngineEvents } from "../hooks";
import { ExternalLink } from "./ExternalLink";
import { AlertIcon, CheckIcon, GroupIcon } from "./Icon";
import { SectionHead } from "./ProjectDetail";
import { TeamAlerts } from "./TeamAlerts";
import { BotCommands, RightsTable } from "./TeamRights";

const INVITED_ROLES: Role[] = ["operator", "manager", "admin"];
const VALID_HOURS = [24, 72, 168, 720];

type Loaded = { people: Person[]; invites: Invite[]; rights: RoleRights[] };

function qrSrc(svg: string) {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/**
 * The team: the owner links their Telegram through a project's bot, then
 * invites people with a role; once there is an owner, only linked people
 * whose role allows it answer customers from the work groups.
 */
export function TeamSection() {
  const { t } = useTranslation();
  const id = useId();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);

  const load = useCallback(() => {
    Promise.all([api.listPeople(), api.listInvites(), api.teamRights()])
      .then(([people, invites, rights]) => {
        setLoaded({ people, invites, rights });
        setLoadError(null);
      })
      .catch(setLoadError);
  }, []);

  useEffect(load, [load]);
  useEngineEvents((event) => {
    if (event.type === "team_changed" || event.type === "resync" || event.type === "project_changed") load();
  });

  const owner = loaded?.people.find((p) => p.role === "owner") ?? null;

  return (
    <section className="card team" data-testid="settings-team" aria-labelledby={`${id}-title`}>
      <SectionHead id={`${id}-title`} icon={<GroupIcon size={16} />} title={t("team.title")} />
      <p className="card-text">{t("team.intro")}</p>
      {loadError != null && (
        <p className="form-error" role="alert">
          <AlertIcon size={14} />
          {errorText(loadError, t)}
        </p>
      )}
      {loaded && (
        <>
          {owner ? (
            <p className="team-owner" data-testid="team-owner">
              <CheckIcon size={14} /> {t("team.ownerIs", { name: owner.name })}
            </p>
          ) : (
            <OwnerLinkBlock />
          )}
          <PeopleList people={loaded.people} onChanged={load} />
          {owner && <InviteForm onCreated={load} />}
          <InviteList invites={loaded.invites} onChanged={load} />
          {owner && <TeamAlerts />}
          <RightsTable rights={loaded.rights} />
          <BotCommands />
        </>
      )}
    </section>
  );
}

/** One engine call that changes the team, after which the section reads it again. */
function useChange(onChanged: () => void) {
  const { busy, error, run } = useAction();
  const change = (call: () => Promise<unknown>) =>
    void run(async () => {
      await call();
      onChanged();
    });
  return { busy, error, change };
}

function OwnerLinkBlock() {
  const { t, i18n } = useTranslation();
  const [link, setLink] = useState<OwnerLink | null>(null);
  const { busy, error, run } = useAction();
  return (
    <div className="team-owner-link" data-testid="team-owner-link">
      <p className="hint">{t("team.noOwner")}</p>
      {link ? (
        <div className="tg-login-qr">
          <img className="tg-login-code" src={qrSrc(link.qrSvg)} alt={t("team.qrAlt")} data-testid="team-owner-qr" />
          <div>
            <p className="dialog-text">{t("team.ownerSteps", { bot: link.botUsername })}</p>
            <p className="selectable team-link" data-testid="team-owner-url">
              <ExternalLink href={link.url}>{link.url}</ExternalLink>
            </p>
            <p className="hint">{t("team.linkUntil", { time: formatFull(link.expiresAt, i18n.language) })}</p>
          </div>
        </div>
      ) : (
        <button
          type="button"
          className="button button--primary"
          data-testid="team-link-owner"
          disabled={busy}
          onClick={() => void run(async () => setLink(await api.ownerLink(null)))}
        >
          {t("team.linkOwner")}
        </button>
      )}
      {error && (
        <p className="form-error" role="alert" data-testid="team-owner-error">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}

function PeopleList({ people, onChanged }: { people: Person[]; onChanged: () => void }) {
  const { t } = useTranslation();
  const { busy, error, change } = useChange(onChanged);
  if (people.length === 0) return null;
  return (
    <div className="team-people">
      <h3 className="team-subhead">{t("team.people")}</h3>
      <ul className="team-list">
        {people.map((p) => (
          <li key={p.id} className="team-row" data-testid="team-person" data-role={p.role}>
            <span className="team-name">
              {p.name}
              {p.username && <span className="muted"> @{p.username}</span>}
            </span>
            {p.role === "owner" ? (
              <OwnerActions owner={p} onChanged={onChanged} />
            ) : (
              <>
                <select
                  aria-label={t("team.roleOf", { name: p.name })}
                  data-testid="team-person-role"
                  value={p.role}
                  disabled={busy}
                  onChange={(e) => change(() => api.setPersonRole(p.id, e.target.value as Role))}
                >
                  {INVITED_ROLES.map((role) => (
                    <option key={role} value={role}>
                      {t(`team.role.${role}`)}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="link-button link-button--danger"
                  data-testid="team-person-remove"
                  disabled={busy}
                  onClick={() => change(() => api.removePerson(p.id))}
                >
                  {t("team.remove")}
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p className="form-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}

/** The owner's row: their role, and unlinking (the team is dissolved until an owner links again). */
function OwnerActions({ owner, onChanged }: { owner: Person; onChanged: () => void }) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const { busy, error, change } = useChange(onChanged);
  return (
    <>
      <span className="team-role">{t("team.role.owner")}</span>
      {asking ? (
        <span className="team-confirm" role="alertdialog" aria-label={t("team.unlinkQuestion")}>
          <span className="confirm-text">{t("team.unlinkQuestion")}</span>
          <button
            type="button"
            className="button button--danger"
            data-testid="team-owner-unlink-confirm"
            disabled={busy}
            onClick={() => change(() => api.removePerson(owner.id))}
          >
            {t("team.unlinkConfirm")}
          </button>
          <button type="button" className="link-button" onClick={() => setAsking(false)} disabled={busy}>
            {t("waCloud.cancel")}
          </button>
        </span>
      ) : (
        <button
          type="button"
          className="link-button link-button--danger"
          data-testid="team-owner-unlink"
          onClick={() => setAsking(true)}
        >
          {t("team.unlink")}
        </button>
      )}
      {error && (
        <span className="form-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </span>
      )}
    </>
  );
}

function InviteForm({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation();
  const [role, setRole] = useState<Role>("operator");
  const [uses, setUses] = useState("1");
  const [hours, setHours] = useState(72);
  const [label, setLabel] = useState("");
  const [created, setCreated] = useState<InviteCreated | null>(null);
  const { busy, error, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const next = await api.createInvite({
        role,
        projectIds: [],
        maxUses: Number.parseInt(uses, 10) || 1,
        validHours: hours,
        label: label.trim() || null,
      });
      setCreated(next);
      setLabel("");
      onCreated();
    });
  };

  return (
    <div className="team-invite">
      <h3 className="team-subhead">{t("team.invite")}</h3>
      <form className="team-invite-form" onSubmit={submit} data-testid="team-invite-form">
        <label className="field">
          <span className="field-label">{t("team.inviteRole")}</span>
          <select data-testid="team-invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {INVITED_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`team.role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t("team.inviteUses")}</span>
          <input
            type="number"
            min={1}
            max={1000}
            data-testid="team-invite-uses"
            value={uses}
            onChange={(e) => setUses(e.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">{t("team.inviteValid")}</span>
          <select data-testid="team-invite-hours" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {VALID_HOURS.map((h) => (
              <option key={h} value={h}>
                {t(`team.valid.${h}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t("team.inviteLabel")}</span>
          <input type="text" data-testid="team-invite-label" value={label} onChange={(e) => setLabel(e.target.value)} maxLength={100} />
        </label>
        <button type="submit" className="button button--primary" data-testid="team-invite-create" disabled={busy}>
          {t("team.inviteCreate")}
        </button>
      </form>
      {error && (
        <p className="form-error" role="alert" data-testid="team-invite-error">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
      {created && (
        <div className="tg-login-qr team-invite-created" data-testid="team-invite-created">
          {created.qrSvg && <img className="tg-login-code" src={qrSrc(created.qrSvg)} alt={t("team.qrAlt")} />}
          <div>
            <p className="dialog-text">{t("team.inviteSteps")}</p>
            {created.url ? (
              <p className="selectable team-link" data-testid="team-invite-url">
                <ExternalLink href={created.url}>{created.url}</ExternalLink>
              </p>
            ) : (
              <p className="hint">{t("team.noBot")}</p>
            )}
            <p className="selectable" data-testid="team-invite-code">
              {t("team.code", { code: created.code })}
            </p>
            <p className="hint">{t("team.shownOnce")}</p>
          </div>
        </div>
      )}
    </div>
  );
}

function InviteList({ invites, onChanged }: { invites: Invite[]; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const { busy, error, change } = useChange(onChanged);
  if (invites.length === 0) return null;
  return (
    <div className="team-invites">
      <h3 className="team-subhead">{t("team.invites")}</h3>
      <ul className="team-list">
        {invites.map((invite) => (
          <li key={invite.id} className="team-row" data-testid="team-invite" data-state={invite.state}>
            <span className="team-name">
              {invite.label ?? t(`team.role.${invite.role}`)}
              <span className="muted">
                {invite.label && ` · ${t(`team.role.${invite.role}`)}`}
                {" · "}
                {t("team.used", { uses: invite.uses, max: invite.maxUses })}
                {invite.state === "active" &&
                  ` · ${t("team.until", { time: formatFull(invite.expiresAt, i18n.language) })}`}
                {invite.usedBy.length > 0 && ` · ${invite.usedBy.join(", ")}`}
              </span>
            </span>
            <span className={`invite-state invite-state--${invite.state}`} data-testid="team-invite-state">
              {t(`team.state.${invite.state}`)}
            </span>
            {invite.state === "active" && (
              <button
                type="button"
                className="link-button link-button--danger"
                data-testid="team-invite-revoke"
                disabled={busy}
                onClick={() => change(() => api.revokeInvite(invite.id))}
              >
                {t("team.revoke")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p className="form-error" role="alert">
          <AlertIcon size={14} />
          {error}
        </p>
      )}
    </div>
  );
}
