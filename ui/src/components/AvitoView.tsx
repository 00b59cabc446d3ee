import { useTranslation } from "react-i18next";
import type { AvitoAccount } from "../api";
import { useAvitoAccounts } from "../useAvitoAccounts";
import { AvitoDetail } from "./AvitoDetail";
import { AvitoForm } from "./AvitoForm";
import { AvitoRow } from "./AvitoRow";
import { AvitoIcon } from "./Icon";
import { ListDetailLayout, PanePlaceholder, useSelection } from "./ListDetail";

const idOf = (account: AvitoAccount) => account.id;

/** The Avito accounts: a list on the left, the chosen one (or connecting a new one) on the right. */
export function AvitoView() {
  const { t } = useTranslation();
  const { items: accounts, error, apply, drop } = useAvitoAccounts();
  const { selection, selected, select, startNew, clear } = useSelection(accounts, idOf);

  let pane;
  if (selection.kind === "new") {
    pane = (
      <div className="project-detail project-detail--new" data-testid="avito-new">
        <header className="project-head">
          <h1>{t("avitoAccounts.newTitle")}</h1>
          <p className="project-head-sub">{t("avitoAccounts.newText")}</p>
        </header>
        <section className="card">
          <AvitoForm
            onConnected={(account) => {
              apply(account);
              select(account.id);
            }}
            onCancel={clear}
          />
        </section>
      </div>
    );
  } else if (selected) {
    pane = (
      <AvitoDetail
        key={selected.id}
        account={selected}
        onChanged={apply}
        onRemoved={(id) => {
          drop(id);
          clear();
        }}
      />
    );
  } else if (accounts && accounts.length === 0) {
    pane = (
      <PanePlaceholder
        className="avito-empty"
        testId="avito-empty"
        icon={<AvitoIcon size={40} className="placeholder-icon" />}
        title={t("avitoAccounts.emptyTitle")}
        text={t("avitoAccounts.emptyText")}
        action={{ label: t("avitoAccounts.emptyAdd"), onClick: startNew }}
      />
    );
  } else if (accounts) {
    pane = (
      <PanePlaceholder
        icon={<AvitoIcon size={40} className="placeholder-icon" />}
        title={t("avitoAccounts.pickTitle")}
        text={t("avitoAccounts.pickText")}
      />
    );
  }

  return (
    <ListDetailLayout
      title={t("avitoAccounts.title")}
      testId="avito-view"
      add={{ label: t("avitoAccounts.add"), testId: "avito-add", active: selection.kind === "new", onClick: startNew }}
      items={accounts}
      error={error}
      loadingText={t("avitoAccounts.loading")}
      idOf={idOf}
      renderRow={(account) => (
        <AvitoRow account={account} selected={account.id === selected?.id} onSelect={() => select(account.id)} />
      )}
      paneKey={selected ? selected.id : selection.kind}
      paneFilled={selected != null || selection.kind === "new"}
    >
      {pane}
    </ListDetailLayout>
  );
}
