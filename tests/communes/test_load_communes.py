import pytest
from django.core.management import CommandError, call_command

from communes.models import Commune
from communes.services import DEFAULT_COMMUNES_CSV

HEADER = "code_insee,nom,population,codes_postaux,siren\n"


def write_csv(tmp_path, body, header=HEADER):
    path = tmp_path / "communes.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_shipped_file_loads_the_67_gbm_communes():
    call_command("load_communes")
    assert Commune.objects.count() == 67
    besancon = Commune.objects.get(insee_code="25056")
    assert besancon.name == "Besançon"
    assert besancon.population > 100_000
    assert Commune.objects.filter(population__lt=5000).count() == 65


@pytest.mark.django_db
def test_rerun_is_idempotent_and_updates_changed_rows(tmp_path):
    call_command("load_communes")
    call_command("load_communes")
    assert Commune.objects.count() == 67
    path = write_csv(tmp_path, "25014,Amagney,1000,25220,212500144\n")
    call_command("load_communes", str(path))
    assert Commune.objects.get(insee_code="25014").population == 1000
    assert Commune.objects.count() == 67


@pytest.mark.django_db
def test_another_territory_with_corsican_codes_loads(tmp_path):
    path = write_csv(tmp_path, "2A004,Ajaccio,71361,20000 20090,212000046\n2B033,Bastia,48503,20200 20600,\n")
    call_command("load_communes", str(path))
    assert set(Commune.objects.values_list("insee_code", flat=True)) == {"2A004", "2B033"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("25014,Amagney,934,25220,212500144\n,Sans code,10,25000,\n", "Ligne 3 : code INSEE manquant"),
        ("25014,Amagney,934,25220,212500144\n2501X,Mauvais,10,25000,\n", "Ligne 3 : code INSEE « 2501X » invalide"),
        (
            "25014,Amagney,934,25220,212500144\n123456,Trop long,10,25000,\n",
            "Ligne 3 : code INSEE « 123456 » invalide",
        ),
        ("25014,Amagney,-5,25220,212500144\n", "Ligne 2 : population négative"),
        ("25014,Amagney,beaucoup,25220,212500144\n", "Ligne 2 : population « beaucoup » invalide"),
        (
            "25014,Amagney,934,25220,\n25030,Audeux,420,25170,\n25014,Amagney bis,1,25220,\n",
            "Ligne 4 : code INSEE 25014 en double",
        ),
        ("25014,,934,25220,\n", "Ligne 2 : nom manquant"),
        ("25014,Amagney,934,2522,\n", "Ligne 2 : code postal « 2522 » invalide"),
        ("25014,Amagney,934,25220,12345\n", "Ligne 2 : SIREN « 12345 » invalide"),
    ],
)
def test_bad_row_stops_the_import_and_writes_nothing(tmp_path, body, message):
    path = write_csv(tmp_path, body)
    with pytest.raises(CommandError, match=message):
        call_command("load_communes", str(path))
    assert Commune.objects.count() == 0


@pytest.mark.django_db
def test_bad_row_after_good_ones_leaves_existing_data_untouched(tmp_path):
    call_command("load_communes")
    path = write_csv(tmp_path, "25014,Amagney renommée,999,25220,\n25030,Audeux,-1,25170,\n")
    with pytest.raises(CommandError, match="Ligne 3"):
        call_command("load_communes", str(path))
    assert Commune.objects.get(insee_code="25014").name == "Amagney"


@pytest.mark.django_db
def test_missing_columns_and_missing_file_are_refused(tmp_path):
    path = write_csv(tmp_path, "25014,Amagney\n", header="code_insee,nom\n")
    with pytest.raises(CommandError, match="colonnes manquantes : population"):
        call_command("load_communes", str(path))
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("load_communes", str(tmp_path / "absent.csv"))


def test_shipped_file_is_present():
    assert DEFAULT_COMMUNES_CSV.exists()
