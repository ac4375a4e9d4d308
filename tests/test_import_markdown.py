"""Static-site glossaries: a Hugo-style folder of Markdown pages with front matter, sections, links, shortcodes,
HTML and hard-wrapped lines; stub pages, untitled pages, section pages and templates."""

from __future__ import annotations

from tests.test_importer import IMPORT, run_import, write

HUGO = IMPORT / "hugo"


def test_a_hugo_folder_field_by_field(capsys, tmp_path) -> None:
    run = run_import(capsys, tmp_path, HUGO)
    assert run.code == 0
    assert run.data is not None
    assert list(run.data) == ["glossary", "attribution", "terms"]
    assert run.data["glossary"] == "Cloud Native Glossary"  # the folder's own _index.md
    assert run.data["attribution"] == "CNCF Cloud Native Glossary, CC BY 4.0"  # container.md's `source:`
    orchestration, container, kubernetes = run.data["terms"]
    assert orchestration == {
        "id": "container-orchestration",
        "term": "Container Orchestration",
        "aliases": ["Orchestration"],  # "/orchestration/" is a Hugo redirect, not a name
        "category": "concept",
        "tags": ["fundamental", "operation"],
        # "## What it is"; hard-wrapped lines joined; links to pages and <strong> become text and **bold**.
        "definition": "Container orchestration refers to managing and automating containerized applications' "
        "lifecycles in dynamic environments. It's executed through a **cloud native technology** (in most cases, "
        "Kubernetes) that takes care of:\n\n"
        "- deployments,\n"
        "- (auto)scaling and auto-healing,\n"
        "- monitoring.",
        "example": "1. A cluster restarts a crashed container on another node.\n"
        "2. See the [Kubernetes docs](https://kubernetes.io/docs/concepts/) for more.",
        "why_it_matters": "Teams stop babysitting servers & sleep at night.",
        "sections": [
            {
                "title": "Problem it addresses",
                "text": "Managing microservices, security, and network communication at scale is hard, if not "
                "impossible, to do by hand.\n\n"
                "Orchestration is a metaphor: the tool conducts containers like a conductor.",
            }
        ],
        # The "Related terms" links, then the pages the text links to; a link to a page not imported adds nothing.
        "related": ["container", "kubernetes", "Service Mesh"],
    }
    assert container == {
        "id": "container",
        "term": "Container",
        "definition": "A container is a running process with resource and capability constraints managed by a "
        "computer's operating system. The files available to the container process are packaged as a container "
        "image.",
        "faq": [
            {
                "q": "Is a container a virtual machine?",
                "a": "No. Containers share the host's kernel, while virtual machines each run their own.",
            }
        ],
        "related": ["container-orchestration"],  # "## See also"
        "see_also_links": [{"url": "https://github.com/opencontainers/image-spec", "title": "OCI image spec"}],
    }
    assert kubernetes == {  # kubernetes/index.md: TOML front matter, a page bundle named by its folder
        "id": "kubernetes",
        "term": "Kubernetes",
        "aliases": ["K8s"],
        "category": "Orchestration",
        "tags": ["Platform"],
        "definition": "Kubernetes is an open source container orchestrator that runs containers across a cluster "
        "of machines. See the [project site](https://kubernetes.io).",
        "related": ["container-orchestration", "container"],  # a relative link and a glossary_tooltip shortcode
    }


def test_a_hugo_folder_reports_each_page_it_skips(capsys, tmp_path) -> None:
    run = run_import(capsys, tmp_path, HUGO)
    assert run.lines == [
        f"{HUGO}/_TEMPLATE.md: skipped: a template or partial (its name starts with '_')",
        f"{HUGO}/_index.md: the folder's front page: 'Cloud Native Glossary' is the glossary's name, not an entry",
        f"{HUGO}/container-orchestration.md: aliases ['/orchestration/'] are page addresses (Hugo redirects), "
        "not names; left out",
        f"{HUGO}/container.md:19: question 'Who invented containers?' has no answer; left out",
        f"{HUGO}/guides/_index.md: skipped: 'Guides' is a section page with no text",
        f"{HUGO}/service-mesh.md: skipped: 'Service Mesh' has only links",
        f"{HUGO}/untitled.md: skipped: no title (front matter 'title' or a '# ' heading)",
        f"{HUGO}/container-orchestration.md:43: related 'Service Mesh' is not among the imported entries; "
        "the loader will drop it unless your glossary has it",
    ]
    assert run.out.startswith("imported 3 entries from 8 files, skipped 4; wrote ")


def test_no_markup_of_the_site_reaches_the_glossary(capsys, tmp_path) -> None:
    run_import(capsys, tmp_path, HUGO)
    text = (tmp_path / "out.yaml").read_text(encoding="utf-8")
    for leftover in ("<", "{{", "{%", "](/", "](..", "&amp;", "img", "note >"):
        assert leftover not in text


def test_single_pages_docusaurus_style(capsys, tmp_path) -> None:
    page = tmp_path / "idempotence.markdown"
    page.write_text(
        "---\n"
        "id: idempotence\n"
        "description: Doing it twice changes nothing.\n"
        "also_known_as: idempotency\n"
        "---\n"
        "# Idempotence\n"
        "\n"
        ":::tip\n"
        "An operation is idempotent when running it again\n"
        "leaves the system as it was.\n"
        ":::\n"
        "\n"
        "## Frequently asked questions\n"
        "\n"
        "**Is GET idempotent?** Yes.\n"
        "\n"
        "## Further reading\n"
        "\n"
        "- <https://en.wikipedia.org/wiki/Idempotence>\n"
        "\n"
        "## How it helps\n"
        "\n"
        "Retries become safe:\n"
        "1. send\n"
        "2. time out\n"
        "3. send again\n"
    )
    run = run_import(capsys, tmp_path, page)
    assert run.code == 0
    assert run.terms()["Idempotence"] == {
        "id": "idempotence",
        "term": "Idempotence",  # the "# " heading, as there is no title in the front matter
        "aliases": ["idempotency"],
        "definition": "An operation is idempotent when running it again leaves the system as it was.",
        "faq": [{"q": "Is GET idempotent?", "a": "Yes."}],
        "sections": [{"title": "How it helps", "text": "Retries become safe:\n1. send\n2. time out\n3. send again"}],
        "see_also_links": ["https://en.wikipedia.org/wiki/Idempotence"],
    }
    assert run.lines == []


def test_description_stands_in_for_a_missing_definition(capsys, tmp_path) -> None:
    page = write(tmp_path, "sre.md", "---\ntitle: SRE\ndescription: Site reliability engineering.\n---\n")
    bare = write(
        tmp_path, "toil.md", "---\ntitle: Toil\n---\n\n## Example\n\nRestarting the same server by hand every week.\n"
    )
    run = run_import(capsys, tmp_path, page, bare)
    assert run.code == 0
    assert run.terms()["SRE"]["definition"] == "Site reliability engineering."
    assert "definition" not in run.terms()["Toil"]
    assert run.lines == [f"{bare}: 'Toil' has no definition (no text before its first section); the card will be short"]


def test_broken_front_matter_skips_the_page_with_its_line(capsys, tmp_path) -> None:
    broken = write(tmp_path, "broken.md", "---\ntitle: Broken\ntags: [a, b\n---\n\nText.\n")
    good = write(tmp_path, "good.md", "---\ntitle: Good\ndraft: false\n---\n\nText.\n")
    draft = write(tmp_path, "draft.md", "---\ntitle: Later\ndraft: true\n---\n\nNot yet.\n")
    run = run_import(capsys, tmp_path, broken, good, draft)
    assert run.code == 0
    assert list(run.terms()) == ["Good"]
    assert run.lines[0].startswith(f"{broken}:4: skipped: front matter is not valid (")
    assert run.lines[1:] == [f"{draft}: skipped: a draft (draft: true)"]


def test_an_empty_folder_is_unreadable(capsys, tmp_path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a page")
    run = run_import(capsys, tmp_path, folder)
    assert (run.code, run.lines) == (1, [f"error: {folder}: a folder without .md or .markdown pages"])


def test_the_folder_front_page_is_never_an_entry(capsys, tmp_path) -> None:
    site = tmp_path / "site"
    (site / "terms").mkdir(parents=True)
    write(site, "index.md", "---\ntitle: Team Words\n---\n")
    write(site / "terms", "index.md", "# Standup\n\nA short daily meeting.\n")  # a page bundle: an entry
    run = run_import(capsys, tmp_path, site)
    assert run.data is not None and run.data["glossary"] == "Team Words"
    assert run.data["terms"] == [{"id": "terms", "term": "Standup", "definition": "A short daily meeting."}]
    assert run.lines == [f"{site}/index.md: the folder's front page: 'Team Words' is the glossary's name, not an entry"]
    write(site, "index.md", "Welcome!\n")
    run = run_import(capsys, tmp_path, site)
    assert run.lines == [f"{site}/index.md: skipped: the folder's front page, without a title"]


def test_related_prose_stays_text_and_front_matter_keys_in_any_case(capsys, tmp_path) -> None:
    page = write(
        tmp_path,
        "multitenancy.md",
        "---\nTitle: Multitenancy\nCategory: Property\n---\n\nOne install serves many tenants.\n\n"
        "## Related terms\n\n"
        "Multitenancy is not synonymous with SaaS,\nalthough SaaS is often multitenant.\n\n"
        "- Tenant isolation\n"
        "- [Client-Server](/client-server/) – how tenants reach it\n",
    )
    run = run_import(capsys, tmp_path, page)
    assert run.terms()["Multitenancy"] == {
        "id": "multitenancy",
        "term": "Multitenancy",
        "category": "Property",
        "definition": "One install serves many tenants.",
        "sections": [
            {
                "title": "Related terms",
                "text": "Multitenancy is not synonymous with SaaS, although SaaS is often multitenant.",
            }
        ],
        "related": ["Tenant Isolation", "Client-Server"],
    }
    not_imported = "is not among the imported entries; the loader will drop it unless your glossary has it"
    assert run.lines == [
        f"{page}:13: related 'Tenant Isolation' {not_imported}",
        f"{page}:14: related 'Client-Server' {not_imported}",
    ]
